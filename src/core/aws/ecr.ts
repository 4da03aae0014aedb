/** Amazon ECR: `docker push` of an image, its calls made by the rehearsal's docker stand-in. */
import { check, regionalArn, str, type AwsService } from './service.js';

export const ecr: AwsService = {
  name: 'ecr',
  actions: [
    'BatchCheckLayerAvailability BatchDeleteImage BatchGetImage BatchGetRepositoryScanningConfiguration',
    'BatchImportUpstreamImage CompleteLayerUpload *CreatePullThroughCacheRule CreateRepository',
    '*CreateRepositoryCreationTemplate DeleteLifecyclePolicy *DeletePullThroughCacheRule *DeleteRegistryPolicy',
    'DeleteRepository *DeleteRepositoryCreationTemplate DeleteRepositoryPolicy *DeleteSigningConfiguration',
    '*DeregisterPullTimeUpdateExclusion DescribeImageReplicationStatus DescribeImageScanFindings',
    'DescribeImageSigningStatus DescribeImages *DescribePullThroughCacheRules *DescribeRegistry DescribeRepositories',
    '*DescribeRepositoryCreationTemplates *GetAccountSetting *GetAuthorizationToken GetDownloadUrlForLayer',
    'GetImageCopyStatus GetLifecyclePolicy GetLifecyclePolicyPreview *GetRegistryPolicy',
    '*GetRegistryScanningConfiguration GetRepositoryPolicy *GetSigningConfiguration InitiateLayerUpload ListImages',
    '*ListPullTimeUpdateExclusions ListTagsForResource *PutAccountSetting PutImage PutImageScanningConfiguration',
    'PutImageTagMutability PutLifecyclePolicy *PutRegistryPolicy *PutRegistryScanningConfiguration',
    '*PutReplicationConfiguration *PutSigningConfiguration *RegisterPullTimeUpdateExclusion ReplicateImage',
    'SetRepositoryPolicy StartImageScan StartLifecyclePolicyPreview TagResource UntagResource UpdateImageStorageClass',
    '*UpdatePullThroughCacheRule *UpdateRepositoryCreationTemplate UploadLayerPart *ValidatePullThroughCacheRule',
  ].join(' '),
  cli: {
    'get-authorization-token': 'GetAuthorizationToken',
    'get-login-password': 'GetAuthorizationToken',
    'batch-get-image': 'BatchGetImage',
    'describe-repositories': 'DescribeRepositories',
    'describe-images': 'DescribeImages',
  },
  json(name, req, scope) {
    // DescribeRepositories names its repositories in a list: each is authorized on its own ARN
    const named = req.json['repositoryNames'];
    if (Array.isArray(named) && named.length)
      return named.map((r) => check(`ecr:${name}`, regionalArn(scope, 'ecr', `repository/${String(r)}`)));
    const repository = str(req.json['repositoryName']);
    return [check(`ecr:${name}`, repository ? regionalArn(scope, 'ecr', `repository/${repository}`) : '*')];
  },
};
