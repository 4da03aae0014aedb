import { STEP_IMAGES } from '../facts/index.js';
import type { TargetDefinition } from './definition.js';
import { ECR_REPOSITORY, RELATIVE_PATH, ROLE_NAME } from './shared.js';

const ECS_NAME = '^[A-Za-z0-9_-]{1,255}$';

/** Register a task definition revision from a file and roll the service onto it. */
export const ecsDeploy: TargetDefinition = {
  id: 'ecs-deploy',
  title: 'Deploy a service to ECS',
  description:
    "On every push to main: register a new revision of the task definition in the repository (register-task-definition input, e.g. from `aws ecs register-task-definition --generate-cli-skeleton`; with deployment environments each may have its own, `--task-definition-file.<environment>`, and the plain answer serves the others) with the task and execution roles given here in place of the file's and, given an ECR repository, the image the pipeline pushed there (tagged with the commit) in place of that repository's images in the file; point the service at it, wait until the service is stable, and fail if ECS rolled the deployment back.",
  questions: [
    {
      name: 'ecsCluster',
      flag: 'ecs-cluster',
      description: 'Name of the ECS cluster',
      example: 'production',
      pattern: ECS_NAME,
      perEnvironment: true,
    },
    {
      name: 'ecsService',
      flag: 'ecs-service',
      description: 'Name of the ECS service in that cluster',
      example: 'web',
      pattern: ECS_NAME,
      perEnvironment: true,
    },
    {
      name: 'taskFamily',
      flag: 'task-family',
      description: 'Task definition family the pipeline registers revisions of',
      example: 'web',
      pattern: ECS_NAME,
      perEnvironment: true,
    },
    {
      name: 'taskDefinitionFile',
      flag: 'task-definition-file',
      description:
        'Task definition file in the repository (JSON input of register-task-definition); with environments, a plain answer serves each environment not given its own',
      example: 'ecs/task-definition.json',
      pattern: RELATIVE_PATH,
      insideRepository: true,
      default: 'ecs/task-definition.json',
      // each environment usually has its own settings (CPU, memory, variables): its own file if given
      perEnvironment: true,
      sharedFallback: true,
    },
    {
      name: 'taskRoleName',
      flag: 'task-role-name',
      description: 'Name of the task role in the task definition (leave empty if it has none)',
      example: 'web-task',
      pattern: ROLE_NAME,
      optional: true,
      perEnvironment: true,
    },
    {
      name: 'executionRoleName',
      flag: 'execution-role-name',
      description: 'Name of the task execution role in the task definition (leave empty if it has none)',
      example: 'ecsTaskExecutionRole',
      pattern: ROLE_NAME,
      optional: true,
      perEnvironment: true,
    },
    {
      ...ECR_REPOSITORY,
      description:
        "ECR repository of the image to deploy, tagged with the commit (ecr-push's); the file's containers with an image of this repository get it (leave empty to deploy the file's images)",
      optional: true,
    },
  ],
  pipeline: { trigger: 'branch', name: 'main' },
  step: {
    name: 'Deploy the ECS service',
    image: STEP_IMAGES.awsCli.name,
    // the image (Amazon Linux) has no jq, which puts the pushed image into the task definition
    setup: ['yum install -y -q jq'],
    script: [
      // the roles given replace the file's: each environment's revision runs with (and passes) its own roles
      {
        run: 'task_role_arn=arn:{{partition}}:iam::{{account}}:role/{{taskRoleName}}',
        when: 'taskRoleName',
      },
      {
        run: 'execution_role_arn=arn:{{partition}}:iam::{{account}}:role/{{executionRoleName}}',
        when: 'executionRoleName',
      },
      'task_input={{taskDefinitionFile}}',
      // the image this commit pushed, which must exist: a deployment before the push fails here
      {
        run: 'repository_uri="$(aws ecr describe-repositories --repository-names {{ecrRepository}} --query \'repositories[0].repositoryUri\' --output text)"',
        when: 'ecrRepository',
      },
      {
        run: 'image="$repository_uri:$BITBUCKET_COMMIT"',
        when: 'ecrRepository',
      },
      {
        run: 'aws ecr describe-images --repository-name {{ecrRepository}} --image-ids imageTag="$BITBUCKET_COMMIT" --query \'imageDetails[0].imageDigest\' --output text',
        when: 'ecrRepository',
      },
      // containers whose image is in the repository (any registry host, tag or digest) get the pushed one
      {
        run: 'task_input="$(mktemp)" && jq -e --arg repository {{ecrRepository}} --arg image "$image" \'def ours: (.image // "" | split("/") | .[1:] | join("/") | sub("[:@].*$"; "")) == $repository; if any(.containerDefinitions[]; ours) then .containerDefinitions |= map(if ours then .image = $image else . end) else error("no container of the task definition has an image of ECR repository \\($repository)") end\' {{taskDefinitionFile}} > "$task_input"',
        when: 'ecrRepository',
      },
      // --family overrides the file's, so the revision always lands in the family the policy allows
      'task_definition="$(aws ecs register-task-definition --cli-input-json file://"$task_input" --family {{taskFamily}} ${task_role_arn:+--task-role-arn "$task_role_arn"} ${execution_role_arn:+--execution-role-arn "$execution_role_arn"} --query taskDefinition.taskDefinitionArn --output text)"',
      'echo "Registered $task_definition"',
      'aws ecs update-service --cluster {{ecsCluster}} --service {{ecsService}} --task-definition "$task_definition" --query service.serviceArn --output text',
      'aws ecs wait services-stable --cluster {{ecsCluster}} --services {{ecsService}}',
      // a circuit breaker's rollback ends stable too, on the previous revision: stable is not deployed
      'deployed="$(aws ecs describe-services --cluster {{ecsCluster}} --services {{ecsService}} --query \'services[0].taskDefinition\' --output text)"',
      '[ "$deployed" = "$task_definition" ] || { reason="$(aws ecs describe-services --cluster {{ecsCluster}} --services {{ecsService}} --query "services[0].deployments[?status==\'PRIMARY\'] | [0].rolloutStateReason" --output text)"; echo "ECS rolled the deployment back: the service runs $deployed, not $task_definition ($reason; see the service\'s events)" >&2; exit 1; }',
    ],
  },
  statements: [
    {
      Sid: 'EcrReadImage',
      Effect: 'Allow',
      Action: ['ecr:DescribeRepositories', 'ecr:DescribeImages'],
      Resource: 'arn:{{partition}}:ecr:{{region}}:{{account}}:repository/{{ecrRepository}}',
      when: 'ecrRepository',
    },
    {
      Sid: 'EcsRegisterTaskDefinition',
      Effect: 'Allow',
      Action: 'ecs:RegisterTaskDefinition',
      Resource: 'arn:{{partition}}:ecs:{{region}}:{{account}}:task-definition/{{taskFamily}}:*',
      // a negated operator holds when the key is absent: a file that does not mention privileged passes
      Condition: { StringNotEquals: { 'ecs:privileged': 'true' } },
    },
    {
      Sid: 'EcsUpdateService',
      Effect: 'Allow',
      Action: 'ecs:UpdateService',
      Resource: 'arn:{{partition}}:ecs:{{region}}:{{account}}:service/{{ecsCluster}}/{{ecsService}}',
      Condition: {
        ArnLike: {
          'ecs:task-definition': 'arn:{{partition}}:ecs:{{region}}:{{account}}:task-definition/{{taskFamily}}:*',
        },
      },
    },
    {
      Sid: 'EcsDescribeService',
      Effect: 'Allow',
      Action: 'ecs:DescribeServices',
      Resource: 'arn:{{partition}}:ecs:{{region}}:{{account}}:service/{{ecsCluster}}/{{ecsService}}',
    },
    {
      Sid: 'EcsPassTaskRole',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: 'arn:{{partition}}:iam::{{account}}:role/{{taskRoleName}}',
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      when: 'taskRoleName',
    },
    {
      Sid: 'EcsPassExecutionRole',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: 'arn:{{partition}}:iam::{{account}}:role/{{executionRoleName}}',
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      when: 'executionRoleName',
    },
  ],
  notes: [
    '`ecr:DescribeRepositories` and `ecr:DescribeImages` on the ECR repository only (only if given): find the address of the image this commit pushed, and make sure it is there before deploying it.',
    '`ecs:RegisterTaskDefinition` on revisions of this task definition family only, and none with a privileged container (`ecs:privileged`): the step registers the file in the repository as a new revision, and a push to the repository must not get root on the container hosts.',
    '`ecs:UpdateService` on this service only, and only onto a revision of this family (`ecs:task-definition`): the role cannot point the service at a task definition someone else registered.',
    '`ecs:DescribeServices` on this service only: let `aws ecs wait services-stable` watch the rollout, and read which revision the service ended on.',
    '`iam:PassRole` on the task role (only if given), only to ECS tasks: a task definition naming a role may be registered only by someone allowed to pass it.',
    '`iam:PassRole` on the task execution role (only if given), only to ECS tasks: the same rule for the role ECS uses to pull the image and write logs.',
  ],
  rehearsal: {
    seed: [
      {
        run: 'aws iam create-role --role-name {{taskRoleName}} --assume-role-policy-document \'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}\'',
        when: 'taskRoleName',
      },
      {
        run: 'aws iam create-role --role-name {{executionRoleName}} --assume-role-policy-document \'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}\'',
        when: 'executionRoleName',
      },
      'aws ecs create-cluster --cluster-name {{ecsCluster}}',
      {
        run: 'aws ecr create-repository --repository-name {{ecrRepository}} --image-tag-mutability IMMUTABLE',
        when: 'ecrRepository',
      },
      'aws ecs register-task-definition --family {{taskFamily}} --container-definitions \'[{"name":"app","image":"public.ecr.aws/docker/library/busybox:latest","memory":128}]\'',
      // one task, as a live service has (the emulator reports it running); none would be stable at once.
      // The circuit breaker rolls a revision whose tasks cannot start back, as the rehearsal shows
      "aws ecs create-service --cluster {{ecsCluster}} --service-name {{ecsService}} --task-definition {{taskFamily}} --desired-count 1 --deployment-configuration 'deploymentCircuitBreaker={enable=true,rollback=true}'",
    ],
    files: [
      {
        path: '{{taskDefinitionFile}}',
        json: {
          family: '{{taskFamily}}',
          taskRoleArn: 'arn:{{partition}}:iam::{{account}}:role/{{taskRoleName}}',
          executionRoleArn: 'arn:{{partition}}:iam::{{account}}:role/{{executionRoleName}}',
          containerDefinitions: [{ name: 'app', image: 'public.ecr.aws/docker/library/busybox:latest', memory: 128 }],
        },
        dropWhenEmpty: { taskRoleArn: 'taskRoleName', executionRoleArn: 'executionRoleName' },
        unless: 'ecrRepository',
      },
      // the step puts the pushed image in place of this one; the sidecar keeps its own
      {
        path: '{{taskDefinitionFile}}',
        json: {
          family: '{{taskFamily}}',
          taskRoleArn: 'arn:{{partition}}:iam::{{account}}:role/{{taskRoleName}}',
          executionRoleArn: 'arn:{{partition}}:iam::{{account}}:role/{{executionRoleName}}',
          containerDefinitions: [
            {
              name: 'app',
              image: '{{account}}.dkr.ecr.{{region}}.amazonaws.com/{{ecrRepository}}:latest',
              memory: 128,
            },
            { name: 'sidecar', image: 'public.ecr.aws/docker/library/busybox:latest', memory: 64 },
          ],
        },
        dropWhenEmpty: { taskRoleArn: 'taskRoleName', executionRoleArn: 'executionRoleName' },
        when: 'ecrRepository',
      },
    ],
  },
};
