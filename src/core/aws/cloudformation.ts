/** AWS CloudFormation: `cloudformation deploy` of a stack, optionally with a service role it passes. */
import { check, passRole, regionalArn, type AwsService } from './service.js';

export const cloudformation: AwsService = {
  name: 'cloudformation',
  actions: [
    '*ActivateOrganizationsAccess *ActivateType *BatchDescribeTypeConfigurations *CancelResourceRequest',
    'CancelUpdateStack ContinueUpdateRollback CreateChangeSet *CreateGeneratedTemplate *CreateResource CreateStack',
    'CreateStackInstances CreateStackRefactor *CreateStackSet *CreateUploadBucket *DeactivateOrganizationsAccess',
    '*DeactivateType DeleteChangeSet *DeleteGeneratedTemplate *DeleteResource DeleteStack DeleteStackInstances',
    'DeleteStackSet *DeregisterType *DescribeAccountLimits DescribeChangeSet DescribeChangeSetHooks DescribeEvents',
    '*DescribeGeneratedTemplate *DescribeOrganizationsAccess *DescribePublisher *DescribeResourceScan',
    '*DescribeStackDriftDetectionStatus DescribeStackEvents DescribeStackInstance DescribeStackRefactor',
    'DescribeStackResource DescribeStackResourceDrifts DescribeStackResources DescribeStackSet',
    'DescribeStackSetOperation DescribeStacks *DescribeType *DescribeTypeRegistration DetectStackDrift',
    'DetectStackResourceDrift DetectStackSetDrift *EstimateTemplateCost ExecuteChangeSet ExecuteStackRefactor',
    '*GetGeneratedTemplate *GetHookResult *GetResource *GetResourceRequestStatus GetStackPolicy GetTemplate',
    'GetTemplateSummary ImportStacksToStackSet *ListAllHookResults ListChangeSets *ListExports',
    '*ListGeneratedTemplates ListHookResults *ListImports *ListResourceRequests *ListResourceScanRelatedResources',
    '*ListResourceScanResources *ListResourceScans *ListResources ListStackInstanceResourceDrifts ListStackInstances',
    'ListStackRefactorActions ListStackRefactors ListStackResources ListStackSetAutoDeploymentTargets',
    'ListStackSetOperationResults ListStackSetOperations *ListStackSets *ListStacks *ListTypeRegistrations',
    '*ListTypeVersions *ListTypes *PublishType RecordHandlerProgress *RegisterPublisher *RegisterType RollbackStack',
    'SetStackPolicy *SetTypeConfiguration *SetTypeDefaultVersion SignalResource *StartResourceScan',
    'StopStackSetOperation TagResource *TestType UntagResource *UpdateGeneratedTemplate *UpdateResource UpdateStack',
    'UpdateStackInstances UpdateStackSet UpdateTerminationProtection *ValidateTemplate',
  ].join(' '),
  cli: {
    // a redeploy also reads the deployed template's parameters (GetTemplateSummary) before its change set
    deploy: {
      actions: 'DescribeStacks GetTemplateSummary CreateChangeSet DescribeChangeSet ExecuteChangeSet',
      // --s3-bucket (a template over 51,200 bytes): the CLI asks whether the template is there already
      // (HeadObject) and uploads it (PutObject); CloudFormation reads it from its TemplateURL as the caller
      withFlag: { '--s3-bucket': 's3:GetObject s3:PutObject' },
    },
    // package uploads each local artifact (and the template, with --use-json or a nested stack) to --s3-bucket,
    // asking first whether it is there already (HeadObject)
    package: 's3:GetObject s3:PutObject',
  },
  query(name, req, scope) {
    const stack = req.form['StackName'];
    const resource = !stack
      ? '*'
      : stack.startsWith('arn:')
        ? stack
        : regionalArn(scope, 'cloudformation', `stack/${stack}/*`);
    const role = req.form['RoleARN'];
    const checks = [check(`cloudformation:${name}`, resource, role ? { 'cloudformation:RoleArn': role } : {})];
    if (role) checks.push(passRole(role, 'cloudformation.amazonaws.com'));
    return checks;
  },
};
