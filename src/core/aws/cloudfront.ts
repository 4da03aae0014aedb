/** Amazon CloudFront: invalidating a distribution's cache and waiting for it. */
import { check, route, type AwsService, type Route } from './service.js';

const ROUTES: Route[] = [
  ['POST', /^\/\d{4}-\d{2}-\d{2}\/distribution\/([^/]+)\/invalidation$/, 'CreateInvalidation'],
  ['GET', /^\/\d{4}-\d{2}-\d{2}\/distribution\/([^/]+)\/invalidation\/[^/]+$/, 'GetInvalidation'],
  ['GET', /^\/\d{4}-\d{2}-\d{2}\/distribution\/([^/]+)$/, 'GetDistribution'],
];

export const cloudfront: AwsService = {
  name: 'cloudfront',
  actions: [
    'AllowVendedLogDeliveryForResource AssociateAlias AssociateDistributionTenantWebACL AssociateDistributionWebACL',
    'CopyDistribution *CreateAnycastIpList *CreateCachePolicy *CreateCloudFrontOriginAccessIdentity',
    '*CreateConnectionFunction *CreateConnectionGroup *CreateContinuousDeploymentPolicy *CreateDistribution',
    '*CreateDistributionTenant *CreateFieldLevelEncryptionConfig *CreateFieldLevelEncryptionProfile *CreateFunction',
    'CreateInvalidation CreateInvalidationForDistributionTenant *CreateKeyGroup *CreateKeyValueStore',
    '*CreateMonitoringSubscription *CreateOriginAccessControl *CreateOriginRequestPolicy *CreatePublicKey',
    '*CreateRealtimeLogConfig *CreateResponseHeadersPolicy *CreateSavingsPlan *CreateStreamingDistribution',
    '*CreateStreamingDistributionWithTags *CreateTrustStore *CreateVpcOrigin DeleteAnycastIpList DeleteCachePolicy',
    'DeleteCloudFrontOriginAccessIdentity DeleteConnectionFunction DeleteConnectionGroup',
    'DeleteContinuousDeploymentPolicy DeleteDistribution DeleteDistributionTenant DeleteFieldLevelEncryptionConfig',
    'DeleteFieldLevelEncryptionProfile DeleteFunction *DeleteKeyGroup DeleteKeyValueStore',
    '*DeleteMonitoringSubscription DeleteOriginAccessControl DeleteOriginRequestPolicy *DeletePublicKey',
    'DeleteRealtimeLogConfig DeleteResourcePolicy DeleteResponseHeadersPolicy DeleteStreamingDistribution',
    'DeleteTrustStore DeleteVpcOrigin DescribeConnectionFunction DescribeFunction DescribeKeyValueStore',
    'DisassociateDistributionTenantWebACL DisassociateDistributionWebACL GetAnycastIpList GetCachePolicy',
    'GetCachePolicyConfig GetCloudFrontOriginAccessIdentity GetCloudFrontOriginAccessIdentityConfig',
    'GetConnectionFunction GetConnectionGroup GetConnectionGroupByRoutingEndpoint GetContinuousDeploymentPolicy',
    'GetContinuousDeploymentPolicyConfig GetDistribution GetDistributionConfig GetDistributionTenant',
    'GetDistributionTenantByDomain GetFieldLevelEncryption GetFieldLevelEncryptionConfig',
    'GetFieldLevelEncryptionProfile GetFieldLevelEncryptionProfileConfig GetFunction GetInvalidation',
    'GetInvalidationForDistributionTenant *GetKeyGroup *GetKeyGroupConfig GetManagedCertificateDetails',
    '*GetMonitoringSubscription GetOriginAccessControl GetOriginAccessControlConfig GetOriginRequestPolicy',
    'GetOriginRequestPolicyConfig *GetPublicKey *GetPublicKeyConfig GetRealtimeLogConfig GetResourcePolicy',
    'GetResponseHeadersPolicy GetResponseHeadersPolicyConfig *GetSavingsPlan GetStreamingDistribution',
    'GetStreamingDistributionConfig GetTrustStore GetVpcOrigin *ListAnycastIpLists *ListCachePolicies',
    '*ListCloudFrontOriginAccessIdentities ListConflictingAliases *ListConnectionFunctions *ListConnectionGroups',
    '*ListContinuousDeploymentPolicies *ListDistributionTenants *ListDistributionTenantsByCustomization',
    '*ListDistributions *ListDistributionsByAnycastIpListId *ListDistributionsByCachePolicyId',
    'ListDistributionsByConnectionFunction *ListDistributionsByConnectionMode *ListDistributionsByKeyGroup',
    '*ListDistributionsByLambdaFunction *ListDistributionsByOriginRequestPolicyId',
    '*ListDistributionsByRealtimeLogConfig *ListDistributionsByResponseHeadersPolicyId ListDistributionsByTrustStore',
    '*ListDistributionsByVpcOriginId *ListDistributionsByWebACLId ListDomainConflicts',
    '*ListFieldLevelEncryptionConfigs *ListFieldLevelEncryptionProfiles *ListFunctions ListInvalidations',
    'ListInvalidationsForDistributionTenant *ListKeyGroups *ListKeyValueStores *ListOriginAccessControls',
    '*ListOriginRequestPolicies *ListPublicKeys *ListRateCards *ListRealtimeLogConfigs *ListResponseHeadersPolicies',
    '*ListSavingsPlans *ListStreamingDistributions ListTagsForResource *ListTrustStores *ListUsages *ListVpcOrigins',
    'PublishConnectionFunction PublishFunction PutResourcePolicy TagResource TestConnectionFunction TestFunction',
    'UntagResource UpdateAnycastIpList UpdateCachePolicy UpdateCloudFrontOriginAccessIdentity',
    'UpdateConnectionFunction UpdateConnectionGroup UpdateContinuousDeploymentPolicy UpdateDistribution',
    'UpdateDistributionTenant UpdateDistributionWithStagingConfig UpdateDomainAssociation',
    '*UpdateFieldLevelEncryptionConfig UpdateFieldLevelEncryptionProfile UpdateFunction *UpdateKeyGroup',
    'UpdateKeyValueStore UpdateOriginAccessControl UpdateOriginRequestPolicy *UpdatePublicKey UpdateRealtimeLogConfig',
    'UpdateResponseHeadersPolicy *UpdateSavingsPlan UpdateStreamingDistribution UpdateTrustStore UpdateVpcOrigin',
    'VerifyDnsConfiguration',
  ].join(' '),
  cli: {
    'create-invalidation': 'CreateInvalidation',
    'wait invalidation-completed': 'GetInvalidation',
  },
  rest(req, scope) {
    const hit = route(ROUTES, req);
    const name = hit?.name ?? `${req.method} ${req.path}`;
    // a global service: its ARNs name no region
    const resource = hit ? `arn:${scope.partition}:cloudfront::${scope.account}:distribution/${hit.id}` : '*';
    return { name, checks: [check(`cloudfront:${name}`, resource)] };
  },
};
