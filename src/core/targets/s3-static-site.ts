import { PATTERN, STEP_IMAGES } from '../facts/index.js';
import type { TargetDefinition } from './definition.js';
import { RELATIVE_PATH } from './shared.js';

/** Mirror a folder to a bucket; optionally invalidate the CloudFront distribution in front of it. */
export const s3StaticSite: TargetDefinition = {
  id: 's3-static-site',
  title: 'Static site on S3 (and CloudFront)',
  description:
    'On every push to main: mirror a folder of the repository to an S3 bucket (objects no longer in the folder are deleted), then invalidate the CloudFront distribution if one is given and wait until the invalidation is done.',
  questions: [
    {
      name: 'siteBucket',
      flag: 'site-bucket',
      description: 'S3 bucket that holds the site',
      example: 'www.example.com',
      pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
      perEnvironment: true,
    },
    {
      name: 'siteDir',
      flag: 'site-dir',
      description: 'Folder of the repository to publish (built files, if a build step before this one creates them)',
      example: 'public',
      pattern: RELATIVE_PATH,
      insideRepository: true,
      default: 'public',
    },
    {
      name: 'distributionId',
      flag: 'distribution-id',
      description: 'ID of the CloudFront distribution serving the bucket (leave empty without CloudFront)',
      example: 'E2QWRUHAPOMQZL',
      pattern: '^[A-Z0-9]{8,20}$',
      optional: true,
      perEnvironment: true,
    },
    {
      name: 'siteKmsKey',
      flag: 'site-kms-key',
      description:
        "ARN of the customer managed KMS key of the bucket's default encryption (SSE-KMS); leave empty for SSE-S3 or the AWS managed key",
      example: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      pattern: PATTERN.kmsKeyArn,
      optional: true,
      perEnvironment: true,
    },
  ],
  pipeline: { trigger: 'branch', name: 'main' },
  step: {
    name: 'Publish the site to S3',
    image: STEP_IMAGES.awsCli.name,
    script: [
      'aws s3 sync {{siteDir}} s3://{{siteBucket}} --delete --no-progress',
      {
        run: 'invalidation="$(aws cloudfront create-invalidation --distribution-id {{distributionId}} --paths \'/*\' --query Invalidation.Id --output text)"',
        when: 'distributionId',
      },
      {
        run: 'aws cloudfront wait invalidation-completed --distribution-id {{distributionId}} --id "$invalidation"',
        when: 'distributionId',
      },
    ],
  },
  statements: [
    {
      Sid: 'SiteBucketList',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: 'arn:{{partition}}:s3:::{{siteBucket}}',
    },
    {
      Sid: 'SiteBucketObjects',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:DeleteObject'],
      Resource: 'arn:{{partition}}:s3:::{{siteBucket}}/*',
    },
    {
      Sid: 'SiteKmsKey',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: '{{siteKmsKey}}',
      when: 'siteKmsKey',
    },
    {
      Sid: 'SiteInvalidation',
      Effect: 'Allow',
      Action: ['cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation'],
      Resource: 'arn:{{partition}}:cloudfront::{{account}}:distribution/{{distributionId}}',
      when: 'distributionId',
    },
  ],
  notes: [
    '`s3:ListBucket` on the bucket: `aws s3 sync` lists what is there to upload only what changed.',
    '`s3:PutObject` and `s3:DeleteObject` on the objects of the bucket: sync uploads changed files and, with `--delete`, removes files no longer in the folder.',
    "`kms:GenerateDataKey` and `kms:Decrypt` on the bucket's KMS key (only with a key): S3 encrypts each uploaded file with a data key it asks KMS for with the pipeline's credentials, and a file over 8 MB, which `aws s3 sync` uploads in parts, needs that data key decrypted for each part and for the upload's completion. The key's own policy must let IAM policies grant its use, as AWS's default key policy does.",
    '`cloudfront:CreateInvalidation` and `cloudfront:GetInvalidation` on the distribution (only with a distribution ID): the step invalidates the cached files and waits for it to finish.',
  ],
  rehearsal: {
    seed: [
      'aws s3 mb s3://{{siteBucket}}',
      // a file no longer in the folder: the first sync deletes it, as --delete promises
      'printf stale | aws s3 cp - s3://{{siteBucket}}/removed-page.html',
      // the bucket encrypts with the answered key by default: the front authorizes each upload's use of it
      {
        run: 'aws s3api put-bucket-encryption --bucket {{siteBucket}} --server-side-encryption-configuration \'{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"\'{{siteKmsKey}}\'"}}]}\'',
        when: 'siteKmsKey',
      },
      // the emulator picks its own distribution ID: the front maps the answered one onto it
      {
        run: 'aws cloudfront create-distribution --origin-domain-name {{siteBucket}}.s3.amazonaws.com --query Distribution.Id --output text > "$REHEARSAL_ALIASES"/{{distributionId}}',
        when: 'distributionId',
      },
    ],
    conditional: {
      'kms:Decrypt': 'a file over 8 MB, which sync uploads in parts (test/rehearse/rehearse-s3-objects.test.ts)',
    },
    files: [
      { path: '{{siteDir}}/index.html', reads: '{{siteDir}}', text: '<!doctype html><title>rehearsal</title>\n' },
    ],
  },
};
