import { STEP_IMAGES } from '../facts/index.js';
import type { TargetDefinition } from './definition.js';
import { ECR_REPOSITORY, RELATIVE_PATH } from './shared.js';

/** Build the image with the step's Docker service and push it, tagged with the commit. */
export const ecrPush: TargetDefinition = {
  id: 'ecr-push',
  title: 'Push a Docker image to ECR',
  description:
    'On every push to main: build the Dockerfile of a folder and push the image to an ECR repository of this account and region, tagged with the commit hash (works with immutable tags). A run for a commit whose image is there already (a re-run) pushes nothing, and says so.',
  build:
    'the image is tagged with the commit, and an immutable tag can be pushed once: built once, the same image is deployed to every stage',
  questions: [
    ECR_REPOSITORY,
    {
      name: 'dockerfileDir',
      flag: 'dockerfile-dir',
      description: 'Folder with the Dockerfile: the build context',
      example: '.',
      pattern: RELATIVE_PATH,
      insideRepository: true,
      default: '.',
    },
  ],
  pipeline: { trigger: 'branch', name: 'main' },
  step: {
    name: 'Push the image to ECR',
    image: STEP_IMAGES.awsCli.name,
    services: ['docker'],
    script: [
      // the registry host comes from ECR itself: it differs between partitions (amazonaws.com, amazonaws.com.cn)
      'endpoint="$(aws ecr get-authorization-token --query \'authorizationData[0].proxyEndpoint\' --output text)"',
      'registry="${endpoint#https://}"',
      'aws ecr get-login-password | docker login --username AWS --password-stdin "$registry"',
      'image="$registry"/{{ecrRepository}}:"$BITBUCKET_COMMIT"',
      // an immutable tag is refused a second image: a re-run of the commit keeps the image it pushed
      'pushed="$(aws ecr batch-get-image --repository-name {{ecrRepository}} --image-ids imageTag="$BITBUCKET_COMMIT" --query \'length(images)\' --output text)"',
      '[ "$pushed" != 0 ] && echo "The image of this commit is in ECR already: nothing to push ($image)" || { docker build -t "$image" {{dockerfileDir}} && docker push "$image"; }',
    ],
  },
  statements: [
    { Sid: 'EcrLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
    {
      Sid: 'EcrPush',
      Effect: 'Allow',
      Action: [
        'ecr:BatchCheckLayerAvailability',
        'ecr:InitiateLayerUpload',
        'ecr:UploadLayerPart',
        'ecr:CompleteLayerUpload',
        'ecr:PutImage',
        'ecr:BatchGetImage',
      ],
      Resource: 'arn:{{partition}}:ecr:{{region}}:{{account}}:repository/{{ecrRepository}}',
    },
  ],
  notes: [
    '`ecr:GetAuthorizationToken` on `*`: `docker login` needs a registry token, and AWS offers this action on no narrower resource (the token alone grants nothing; the repository permissions below do).',
    "`ecr:BatchCheckLayerAvailability`, `InitiateLayerUpload`, `UploadLayerPart`, `CompleteLayerUpload`, `PutImage` and `BatchGetImage` on this repository only: what `docker push` calls to upload layers and the manifest (`BatchGetImage` also tells the step whether the commit's image is there already).",
  ],
  rehearsal: {
    // immutable, as the description says the target works with: a second push of a tag is refused
    seed: ['aws ecr create-repository --repository-name {{ecrRepository}} --image-tag-mutability IMMUTABLE'],
    files: [{ path: '{{dockerfileDir}}/Dockerfile', text: 'FROM scratch\n' }],
  },
};
