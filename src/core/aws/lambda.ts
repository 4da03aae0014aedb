/** AWS Lambda: new code for a function, and a version published once the update is done. */
import { check, regionalArn, route, type AwsService, type Route } from './service.js';

const ROUTES: Route[] = [
  ['PUT', /^\/2015-03-31\/functions\/([^/]+)\/code$/, 'UpdateFunctionCode'],
  ['GET', /^\/2015-03-31\/functions\/([^/]+)\/configuration$/, 'GetFunctionConfiguration'],
  ['PUT', /^\/2015-03-31\/functions\/([^/]+)\/configuration$/, 'UpdateFunctionConfiguration'],
  ['POST', /^\/2015-03-31\/functions\/([^/]+)\/versions$/, 'PublishVersion'],
  ['GET', /^\/2015-03-31\/functions\/([^/]+)$/, 'GetFunction'],
];

export const lambda: AwsService = {
  name: 'lambda',
  actions: [
    'AddLayerVersionPermission AddPermission CheckpointDurableExecution *ConnectMicrovm CreateAlias',
    'CreateCapacityProvider *CreateCodeSigningConfig *CreateEventSourceMapping CreateFunction CreateFunctionUrlConfig',
    'CreateMicrovmAuthToken *CreateMicrovmImage CreateMicrovmShellAuthToken CreateNetworkConnector DeleteAlias',
    'DeleteCapacityProvider DeleteCodeSigningConfig DeleteEventSourceMapping DeleteFunction',
    'DeleteFunctionCodeSigningConfig DeleteFunctionConcurrency DeleteFunctionEventInvokeConfig',
    'DeleteFunctionUrlConfig DeleteLayerVersion DeleteMicrovmImage DeleteMicrovmImageVersion DeleteNetworkConnector',
    'DeleteProvisionedConcurrencyConfig DeleteResourcePolicy DisableReplication EnableReplication *GetAccountSettings',
    'GetAlias GetCapacityProvider GetCodeSigningConfig GetDurableExecution GetDurableExecutionHistory',
    'GetDurableExecutionState GetEventSourceMapping GetFunction GetFunctionCodeSigningConfig GetFunctionConcurrency',
    'GetFunctionConfiguration GetFunctionEventInvokeConfig GetFunctionRecursionConfig GetFunctionScalingConfig',
    'GetFunctionUrlConfig GetLayerVersion GetLayerVersionPolicy GetMicrovm GetMicrovmImage GetMicrovmImageBuild',
    'GetMicrovmImageVersion GetNetworkConnector GetPolicy GetProvisionedConcurrencyConfig GetResourcePolicy',
    'GetRuntimeManagementConfig InvokeAsync InvokeFunction InvokeFunctionUrl ListAliases *ListCapacityProviders',
    '*ListCodeSigningConfigs ListDurableExecutionsByFunction *ListEventSourceMappings ListFunctionEventInvokeConfigs',
    'ListFunctionUrlConfigs ListFunctionVersionsByCapacityProvider *ListFunctions ListFunctionsByCodeSigningConfig',
    '*ListLayerVersions *ListLayers ListManagedMicrovmImageVersions *ListManagedMicrovmImages ListMicrovmImageBuilds',
    'ListMicrovmImageVersions *ListMicrovmImages *ListMicrovms *ListNetworkConnectors',
    'ListProvisionedConcurrencyConfigs ListTags ListVersionsByFunction PassCapacityProvider *PassNetworkConnector',
    'PublishLayerVersion PublishVersion PutFunctionCodeSigningConfig PutFunctionConcurrency',
    'PutFunctionEventInvokeConfig PutFunctionRecursionConfig PutFunctionScalingConfig PutProvisionedConcurrencyConfig',
    'PutResourcePolicy PutRuntimeManagementConfig RemoveLayerVersionPermission RemovePermission ResumeMicrovm',
    'RunMicrovm SendDurableExecutionCallbackFailure SendDurableExecutionCallbackHeartbeat',
    'SendDurableExecutionCallbackSuccess StopDurableExecution SuspendMicrovm TagResource TerminateMicrovm',
    'UntagResource UpdateAlias UpdateCapacityProvider UpdateCodeSigningConfig UpdateEventSourceMapping',
    'UpdateFunctionCode UpdateFunctionCodeSigningConfig UpdateFunctionConfiguration UpdateFunctionEventInvokeConfig',
    'UpdateFunctionUrlConfig UpdateMicrovmImage UpdateMicrovmImageVersion UpdateNetworkConnector',
  ].join(' '),
  cli: {
    'update-function-code': 'UpdateFunctionCode',
    'wait function-updated': 'GetFunctionConfiguration',
    'publish-version': 'PublishVersion',
  },
  rest(req, scope) {
    const hit = route(ROUTES, req);
    const name = hit?.name ?? `${req.method} ${req.path}`;
    const fn = hit?.id ?? '';
    const resource = fn.startsWith('arn:') ? fn : regionalArn(scope, 'lambda', `function:${fn}`);
    return { name, checks: [check(`lambda:${name}`, hit ? resource : '*')] };
  },
};
