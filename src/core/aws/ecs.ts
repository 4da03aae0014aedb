/** Amazon ECS: a new task definition revision and a service rolled onto it, passing the task's roles. */
import { check, passRole, regionalArn, str, type AwsService } from './service.js';

/**
 * `ecs:privileged` of a registration: "true" when a container asks for privileged mode, "false" when
 * containers set it and none asks, absent when none sets it.
 */
function privileged(body: Record<string, unknown>): Record<string, string> {
  const containers = Array.isArray(body['containerDefinitions']) ? (body['containerDefinitions'] as unknown[]) : [];
  const values = containers.map((c) =>
    c && typeof c === 'object' ? (c as Record<string, unknown>)['privileged'] : undefined,
  );
  if (values.includes(true)) return { 'ecs:privileged': 'true' };
  return values.includes(false) ? { 'ecs:privileged': 'false' } : {};
}

export const ecs: AwsService = {
  name: 'ecs',
  actions: [
    'AllowVendedLogDeliveryForResource ContinueServiceDeployment CreateCapacityProvider CreateCluster CreateDaemon',
    'CreateExpressGatewayService CreateService CreateTaskSet *DeleteAccountSetting DeleteAttributes',
    'DeleteCapacityProvider DeleteCluster DeleteDaemon DeleteDaemonTaskDefinition DeleteExpressGatewayService',
    'DeleteService DeleteTaskDefinitions DeleteTaskSet DeregisterContainerInstance *DeregisterTaskDefinition',
    'DescribeCapacityProviders DescribeClusters DescribeContainerInstances DescribeDaemon DescribeDaemonDeployments',
    'DescribeDaemonRevisions DescribeDaemonTaskDefinition DescribeExpressGatewayService DescribeServiceDeployments',
    'DescribeServiceRevisions DescribeServices *DescribeTaskDefinition DescribeTaskSets DescribeTasks',
    '*DiscoverPollEndpoint ExecuteCommand GetTaskProtection *ListAccountSettings ListAttributes *ListClusters',
    'ListContainerInstances ListDaemonDeployments *ListDaemonTaskDefinitions *ListDaemons ListServiceDeployments',
    '*ListServices *ListServicesByNamespace ListTagsForResource *ListTaskDefinitionFamilies *ListTaskDefinitions',
    'ListTasks Poll *PutAccountSetting *PutAccountSettingDefault PutAttributes PutClusterCapacityProviders',
    'PutSystemLogEvents RegisterContainerInstance RegisterDaemonTaskDefinition RegisterTaskDefinition RunTask',
    'StartTask StartTelemetrySession StopServiceDeployment StopTask SubmitAttachmentStateChanges',
    'SubmitContainerStateChange SubmitTaskStateChange TagResource UntagResource UpdateCapacityProvider UpdateCluster',
    'UpdateClusterSettings UpdateContainerAgent UpdateContainerInstancesState UpdateDaemon',
    'UpdateExpressGatewayService UpdateService UpdateServicePrimaryTaskSet UpdateTaskProtection UpdateTaskSet',
  ].join(' '),
  cli: {
    'register-task-definition': 'RegisterTaskDefinition',
    'update-service': 'UpdateService',
    'describe-services': 'DescribeServices',
    'wait services-stable': 'DescribeServices',
  },
  json(name, req, scope) {
    const body = req.json;
    const arn = (resource: string) => regionalArn(scope, 'ecs', resource);
    if (name === 'RegisterTaskDefinition') {
      const checks = [
        check('ecs:RegisterTaskDefinition', arn(`task-definition/${str(body['family']) ?? ''}:*`), privileged(body)),
      ];
      for (const key of ['taskRoleArn', 'executionRoleArn']) {
        const role = str(body[key]);
        if (role) checks.push(passRole(role, 'ecs-tasks.amazonaws.com'));
      }
      // ECS authorizes tagging on create: a revision registered with tags needs ecs:TagResource too
      if (Array.isArray(body['tags']) && body['tags'].length)
        checks.push(
          check('ecs:TagResource', arn(`task-definition/${str(body['family']) ?? ''}:*`), {
            'ecs:CreateAction': 'RegisterTaskDefinition',
          }),
        );
      return checks;
    }
    const cluster = (str(body['cluster']) ?? 'default').replace(/^arn:.*:cluster\//, '');
    // only the service operations are read here; any other is its action on `*`, which no scoped statement allows
    const services =
      name === 'DescribeServices'
        ? ((body['services'] as string[] | undefined) ?? [])
        : name === 'UpdateService' || name === 'DeleteService'
          ? [str(body['service']) ?? '']
          : name === 'CreateService'
            ? [str(body['serviceName']) ?? '']
            : [];
    if (!services.length) return [check(`ecs:${name}`, '*')];
    const context: Record<string, string> = {};
    const revision = name === 'UpdateService' ? str(body['taskDefinition']) : undefined;
    // the revision the service is pointed at; a family without one means its latest, whose ARN only ECS
    // knows: the bare family stands in
    if (revision)
      context['ecs:task-definition'] = revision.startsWith('arn:') ? revision : arn(`task-definition/${revision}`);
    return services.map((s) =>
      check(`ecs:${name}`, s.startsWith('arn:') ? s : arn(`service/${cluster}/${s}`), context),
    );
  },
};
