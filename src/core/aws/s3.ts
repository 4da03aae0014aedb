/** Amazon S3: `s3 sync` of a folder to a bucket (path-style requests: `/<bucket>/<key>`). */
import { check, regionalArn, type Authorization, type AwsRequest, type AwsService, type Scope } from './service.js';

const xmlText = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'");

/** Subresources (`?encryption`, `?tagging`, …): each its own operation and IAM action, by method and target. */
const SUBRESOURCES: Record<string, Record<string, [operation: string, action: string]>> = {
  'GET bucket': {
    location: ['GetBucketLocation', 'GetBucketLocation'],
    encryption: ['GetBucketEncryption', 'GetEncryptionConfiguration'],
    policy: ['GetBucketPolicy', 'GetBucketPolicy'],
    versioning: ['GetBucketVersioning', 'GetBucketVersioning'],
    acl: ['GetBucketAcl', 'GetBucketAcl'],
    tagging: ['GetBucketTagging', 'GetBucketTagging'],
    website: ['GetBucketWebsite', 'GetBucketWebsite'],
    cors: ['GetBucketCors', 'GetBucketCORS'],
    versions: ['ListObjectVersions', 'ListBucketVersions'],
    uploads: ['ListMultipartUploads', 'ListBucketMultipartUploads'],
  },
  'PUT bucket': {
    encryption: ['PutBucketEncryption', 'PutEncryptionConfiguration'],
    policy: ['PutBucketPolicy', 'PutBucketPolicy'],
    versioning: ['PutBucketVersioning', 'PutBucketVersioning'],
    acl: ['PutBucketAcl', 'PutBucketAcl'],
    tagging: ['PutBucketTagging', 'PutBucketTagging'],
    website: ['PutBucketWebsite', 'PutBucketWebsite'],
    cors: ['PutBucketCors', 'PutBucketCORS'],
  },
  'DELETE bucket': { policy: ['DeleteBucketPolicy', 'DeleteBucketPolicy'], '': ['DeleteBucket', 'DeleteBucket'] },
  'GET object': { tagging: ['GetObjectTagging', 'GetObjectTagging'], acl: ['GetObjectAcl', 'GetObjectAcl'] },
  'PUT object': { tagging: ['PutObjectTagging', 'PutObjectTagging'], acl: ['PutObjectAcl', 'PutObjectAcl'] },
};

function subresource(method: string, target: 'bucket' | 'object', query: Record<string, string>, arn: string) {
  const table = SUBRESOURCES[`${method} ${target}`] ?? {};
  const sub = Object.keys(table).find((k) => (k === '' ? Object.keys(query).length === 0 : k in query));
  const hit = sub === undefined ? undefined : table[sub];
  return hit && { name: hit[0], checks: [check(`s3:${hit[1]}`, arn)] };
}

/** The operation a path-style request is and its S3 checks. */
function objectOperation(req: AwsRequest, scope: Scope): { name: string; checks: Authorization[] } | undefined {
  const [, bucket = '', ...rest] = req.path.split('/');
  const key = rest.map(decodeURIComponent).join('/');
  const bucketArn = `arn:${scope.partition}:s3:::${bucket}`;
  const objectArn = (k: string) => `${bucketArn}/${k}`;
  const m = req.method;
  const sub = subresource(m, key ? 'object' : 'bucket', req.query, key ? objectArn(key) : bucketArn);
  if (sub) return sub;
  if (!key) {
    if ('delete' in req.query && m === 'POST') {
      const keys = [...req.body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((x) => xmlText(x[1]!));
      return { name: 'DeleteObjects', checks: keys.map((k) => check('s3:DeleteObject', objectArn(k))) };
    }
    if (m === 'GET' || m === 'HEAD')
      return { name: m === 'HEAD' ? 'HeadBucket' : 'ListObjectsV2', checks: [check('s3:ListBucket', bucketArn)] };
    if (m === 'PUT') return { name: 'CreateBucket', checks: [check('s3:CreateBucket', bucketArn)] };
    // a browser form upload names its key in the body: any key of the bucket
    if (m === 'POST') return { name: 'PostObject', checks: [check('s3:PutObject', objectArn('*'))] };
    return { name: `${m} bucket`, checks: [check(`s3:${m}Bucket`, bucketArn)] };
  }
  if (m === 'GET' || m === 'HEAD')
    return { name: m === 'HEAD' ? 'HeadObject' : 'GetObject', checks: [check('s3:GetObject', objectArn(key))] };
  const upload = req.query['uploadId'] !== undefined;
  if (m === 'DELETE')
    return upload
      ? { name: 'AbortMultipartUpload', checks: [check('s3:AbortMultipartUpload', objectArn(key))] }
      : { name: 'DeleteObject', checks: [check('s3:DeleteObject', objectArn(key))] };
  // PUT, and the multipart upload's requests, all need s3:PutObject
  const name =
    m === 'PUT'
      ? upload
        ? 'UploadPart'
        : 'PutObject'
      : upload
        ? 'CompleteMultipartUpload'
        : 'uploads' in req.query
          ? 'CreateMultipartUpload'
          : `${m} object`;
  return { name, checks: [check('s3:PutObject', objectArn(key))] };
}

/**
 * What S3 asks of KMS, with the caller's credentials, for an object request under SSE-KMS: a new object's data
 * key (PutObject, a browser upload, a multipart upload's start), and the decrypted data key to encrypt a part,
 * assemble the parts or read the object back. Requests that touch no object data (HeadObject) ask nothing.
 */
const KMS_ACTION: Record<string, string> = {
  PutObject: 'kms:GenerateDataKey',
  PostObject: 'kms:GenerateDataKey',
  CreateMultipartUpload: 'kms:GenerateDataKey',
  UploadPart: 'kms:Decrypt',
  CompleteMultipartUpload: 'kms:Decrypt',
  GetObject: 'kms:Decrypt',
};

/**
 * The ARN IAM authorizes: an ARN as given, a bare key ID (or an alias no one resolved, which names no key
 * AWS would use) in the scope's account and region.
 */
export function kmsKeyArn(key: string, scope: Scope): string {
  if (key.startsWith('arn:')) return key;
  return regionalArn(scope, 'kms', key.startsWith('alias/') ? key : `key/${key}`);
}

/** The headers of an upload that asks for SSE-KMS: the key it names, or `''` for the AWS managed key. */
export function requestedKmsKey(headers: Record<string, string | undefined>): string | undefined {
  if (headers['x-amz-server-side-encryption'] !== 'aws:kms') return undefined;
  return headers['x-amz-server-side-encryption-aws-kms-key-id'] ?? '';
}

/** The operations whose data S3 encrypts or decrypts: the front looks up their KMS key. */
export const KMS_OPERATIONS: readonly string[] = Object.keys(KMS_ACTION);

function withKms(op: { name: string; checks: Authorization[] }, key: string | undefined, scope: Scope) {
  const action = KMS_ACTION[op.name];
  // the AWS managed key (aws/s3) is granted by its own key policy to whoever may use S3: IAM checks nothing
  if (!action || !key) return op;
  return { ...op, checks: [...op.checks, check(action, kmsKeyArn(key, scope))] };
}

export const s3: AwsService = {
  name: 's3',
  actions: [
    'AbortMultipartUpload AllowVendedLogDeliveryForResource AssociateAccessGrantsIdentityCenter',
    'BypassGovernanceRetention CreateAccessGrant CreateAccessGrantsInstance CreateAccessGrantsLocation',
    'CreateAccessPoint CreateAccessPointForObjectLambda CreateBucket CreateBucketMetadataTableConfiguration',
    '*CreateJob CreateMultiRegionAccessPoint *CreateStorageLensGroup DeleteAccessGrant DeleteAccessGrantsInstance',
    'DeleteAccessGrantsInstanceResourcePolicy DeleteAccessGrantsLocation DeleteAccessPoint',
    'DeleteAccessPointForObjectLambda DeleteAccessPointPolicy DeleteAccessPointPolicyForObjectLambda DeleteBucket',
    'DeleteBucketMetadataTableConfiguration DeleteBucketPolicy DeleteBucketWebsite DeleteJobTagging',
    'DeleteMultiRegionAccessPoint DeleteObject DeleteObjectAnnotation DeleteObjectTagging DeleteObjectVersion',
    'DeleteObjectVersionAnnotation DeleteObjectVersionTagging DeleteStorageLensConfiguration',
    'DeleteStorageLensConfigurationTagging DeleteStorageLensGroup DescribeJob DescribeMultiRegionAccessPointOperation',
    'DissociateAccessGrantsIdentityCenter GetAccelerateConfiguration GetAccessGrant GetAccessGrantsInstance',
    'GetAccessGrantsInstanceForPrefix GetAccessGrantsInstanceResourcePolicy GetAccessGrantsLocation *GetAccessPoint',
    'GetAccessPointConfigurationForObjectLambda GetAccessPointForObjectLambda GetAccessPointPolicy',
    'GetAccessPointPolicyForObjectLambda GetAccessPointPolicyStatus GetAccessPointPolicyStatusForObjectLambda',
    '*GetAccountPublicAccessBlock GetAnalyticsConfiguration GetBucketAbac GetBucketAcl GetBucketCORS',
    'GetBucketLocation GetBucketLogging GetBucketMetadataTableConfiguration GetBucketNotification',
    'GetBucketObjectLockConfiguration GetBucketOwnershipControls GetBucketPolicy GetBucketPolicyStatus',
    'GetBucketPublicAccessBlock GetBucketRequestPayment GetBucketTagging GetBucketVersioning GetBucketWebsite',
    'GetDataAccess GetEncryptionConfiguration GetIntelligentTieringConfiguration GetInventoryConfiguration',
    'GetJobTagging GetLifecycleConfiguration GetMetricsConfiguration GetMultiRegionAccessPoint',
    'GetMultiRegionAccessPointPolicy GetMultiRegionAccessPointPolicyStatus GetMultiRegionAccessPointRoutes GetObject',
    'GetObjectAcl GetObjectAnnotation GetObjectAttributes GetObjectLegalHold GetObjectRetention GetObjectTagging',
    'GetObjectTorrent GetObjectVersion GetObjectVersionAcl GetObjectVersionAnnotation',
    'GetObjectVersionAnnotationForReplication GetObjectVersionAttributes GetObjectVersionForReplication',
    'GetObjectVersionTagging GetObjectVersionTorrent GetReplicationConfiguration GetStorageLensConfiguration',
    'GetStorageLensConfigurationTagging GetStorageLensDashboard GetStorageLensGroup InitiateReplication',
    'ListAccessGrants *ListAccessGrantsInstances ListAccessGrantsLocations *ListAccessPoints',
    '*ListAccessPointsForObjectLambda *ListAllMyBuckets ListBucket ListBucketMultipartUploads ListBucketVersions',
    'ListCallerAccessGrants *ListJobs *ListMultiRegionAccessPoints ListMultipartUploadParts ListObjectAnnotations',
    'ListObjectVersionAnnotations *ListStorageLensConfigurations *ListStorageLensGroups ListTagsForResource',
    'ObjectOwnerOverrideToBucketOwner PauseReplication PutAccelerateConfiguration',
    'PutAccessGrantsInstanceResourcePolicy PutAccessPointConfigurationForObjectLambda PutAccessPointPolicy',
    'PutAccessPointPolicyForObjectLambda *PutAccessPointPublicAccessBlock *PutAccountPublicAccessBlock',
    'PutAnalyticsConfiguration PutBucketAbac PutBucketAcl PutBucketCORS PutBucketLogging PutBucketNotification',
    'PutBucketObjectLockConfiguration PutBucketOwnershipControls PutBucketPolicy PutBucketPublicAccessBlock',
    'PutBucketRequestPayment PutBucketTagging PutBucketVersioning PutBucketWebsite PutEncryptionConfiguration',
    'PutIntelligentTieringConfiguration PutInventoryConfiguration PutJobTagging PutLifecycleConfiguration',
    'PutMetricsConfiguration PutMultiRegionAccessPointPolicy PutObject PutObjectAcl PutObjectAnnotation',
    'PutObjectLegalHold PutObjectRetention PutObjectTagging PutObjectVersionAcl PutObjectVersionAnnotation',
    'PutObjectVersionTagging PutReplicationConfiguration *PutStorageLensConfiguration',
    'PutStorageLensConfigurationTagging ReplicateDelete ReplicateObject ReplicateObjectAnnotation ReplicateTags',
    'RestoreObject SubmitMultiRegionAccessPointRoutes TagResource UntagResource UpdateAccessGrantsLocation',
    'UpdateBucketMetadataAnnotationTableConfiguration UpdateBucketMetadataInventoryTableConfiguration',
    'UpdateBucketMetadataJournalTableConfiguration UpdateJobPriority UpdateJobStatus UpdateObjectEncryption',
    'UpdateStorageLensGroup',
  ].join(' '),
  cli: {
    sync: { actions: 'ListBucket PutObject', withFlag: { '--delete': 'DeleteObject' } },
  },
  rest(req, scope) {
    const op = objectOperation(req, scope);
    return op && withKms(op, req.kmsKey, scope);
  },
};
