/** Amazon S3: `s3 sync` of a folder to a bucket (path-style requests: `/<bucket>/<key>`). */
import { check, type AwsService } from './service.js';

const xmlText = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'");

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
    const [, bucket = '', ...rest] = req.path.split('/');
    const key = rest.map(decodeURIComponent).join('/');
    const bucketArn = `arn:${scope.partition}:s3:::${bucket}`;
    const objectArn = (k: string) => `${bucketArn}/${k}`;
    const m = req.method;
    if (!key) {
      if ('delete' in req.query && m === 'POST') {
        const keys = [...req.body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((x) => xmlText(x[1]!));
        return { name: 'DeleteObjects', checks: keys.map((k) => check('s3:DeleteObject', objectArn(k))) };
      }
      if (m === 'GET' || m === 'HEAD')
        return { name: m === 'HEAD' ? 'HeadBucket' : 'ListObjectsV2', checks: [check('s3:ListBucket', bucketArn)] };
      if (m === 'PUT') return { name: 'CreateBucket', checks: [check('s3:CreateBucket', bucketArn)] };
      return { name: `${m} bucket`, checks: [check(`s3:${m}Bucket`, bucketArn)] };
    }
    if (m === 'GET' || m === 'HEAD')
      return { name: m === 'HEAD' ? 'HeadObject' : 'GetObject', checks: [check('s3:GetObject', objectArn(key))] };
    if (m === 'DELETE')
      return {
        name: 'DeleteObject',
        checks: [check(req.query['uploadId'] ? 's3:AbortMultipartUpload' : 's3:DeleteObject', objectArn(key))],
      };
    // PUT, and the multipart upload's POSTs, all need s3:PutObject
    return { name: m === 'PUT' ? 'PutObject' : 'MultipartUpload', checks: [check('s3:PutObject', objectArn(key))] };
  },
};
