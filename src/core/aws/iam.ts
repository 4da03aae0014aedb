/** AWS IAM: the handshake check reads its own role. */
import { check, type AwsService } from './service.js';

export const iam: AwsService = {
  name: 'iam',
  actions: [
    'AcceptDelegationRequest AddClientIDToOpenIDConnectProvider AddRoleToInstanceProfile AddUserToGroup',
    'AssociateDelegationRequest AttachGroupPolicy AttachRolePolicy AttachUserPolicy ChangePassword CreateAccessKey',
    '*CreateAccountAlias CreateDelegationRequest CreateGroup CreateInstanceProfile CreateLoginProfile',
    'CreateOpenIDConnectProvider CreatePolicy CreatePolicyVersion CreateRole CreateSAMLProvider',
    'CreateServiceLinkedRole CreateServiceSpecificCredential CreateUser CreateVirtualMFADevice DeactivateMFADevice',
    'DeleteAccessKey *DeleteAccountAlias *DeleteAccountPasswordPolicy *DeleteCloudFrontPublicKey DeleteGroup',
    'DeleteGroupPolicy DeleteInstanceProfile DeleteLoginProfile DeleteOpenIDConnectProvider DeletePolicy',
    'DeletePolicyVersion DeleteRole DeleteRolePermissionsBoundary DeleteRolePolicy DeleteSAMLProvider',
    'DeleteSSHPublicKey DeleteServerCertificate DeleteServiceLinkedRole DeleteServiceSpecificCredential',
    'DeleteSigningCertificate DeleteUser DeleteUserPermissionsBoundary DeleteUserPolicy DeleteVirtualMFADevice',
    'DetachGroupPolicy DetachRolePolicy DetachUserPolicy *DisableOrganizationsRootCredentialsManagement',
    '*DisableOrganizationsRootSessions *DisableOutboundWebIdentityFederation EnableMFADevice',
    '*EnableOrganizationsRootCredentialsManagement *EnableOrganizationsRootSessions',
    '*EnableOutboundWebIdentityFederation *GenerateCredentialReport GenerateOrganizationsAccessReport',
    'GenerateServiceLastAccessedDetails GetAccessKeyLastUsed *GetAccountAuthorizationDetails *GetAccountEmailAddress',
    '*GetAccountName *GetAccountPasswordPolicy *GetAccountProperties *GetAccountSummary *GetCloudFrontPublicKey',
    '*GetContextKeysForCustomPolicy GetContextKeysForPrincipalPolicy *GetCredentialReport GetDelegationRequest',
    'GetGroup GetGroupPolicy GetHumanReadableSummary GetInstanceProfile GetLoginProfile GetMFADevice',
    'GetOpenIDConnectProvider *GetOrganizationsAccessReport *GetOutboundWebIdentityFederationInfo GetPolicy',
    'GetPolicyVersion GetRole GetRolePolicy GetRoleTemplateVersion GetSAMLProvider GetSSHPublicKey',
    'GetServerCertificate *GetServiceLastAccessedDetails *GetServiceLastAccessedDetailsWithEntities',
    'GetServiceLinkedRoleDeletionStatus GetUser GetUserPolicy ListAccessKeys *ListAccountAliases',
    'ListAttachedGroupPolicies ListAttachedRolePolicies ListAttachedUserPolicies *ListCloudFrontPublicKeys',
    '*ListDelegationRequests ListEntitiesForPolicy ListGroupPolicies *ListGroups ListGroupsForUser',
    'ListInstanceProfileTags *ListInstanceProfiles ListInstanceProfilesForRole ListMFADeviceTags ListMFADevices',
    'ListOpenIDConnectProviderTags *ListOpenIDConnectProviders *ListOrganizationsFeatures *ListPolicies',
    'ListPoliciesGrantingServiceAccess ListPolicyTags ListPolicyVersions ListRolePolicies ListRoleTags *ListRoles',
    'ListSAMLProviderTags *ListSAMLProviders ListSSHPublicKeys *ListSTSRegionalEndpointsStatus',
    'ListServerCertificateTags *ListServerCertificates ListServiceSpecificCredentials ListSigningCertificates',
    'ListUserPolicies ListUserTags *ListUsers *ListVirtualMFADevices PassRole *PutAccountProperties PutGroupPolicy',
    'PutRolePermissionsBoundary PutRolePolicy PutUserPermissionsBoundary PutUserPolicy RejectDelegationRequest',
    'RemoveClientIDFromOpenIDConnectProvider RemoveRoleFromInstanceProfile RemoveUserFromGroup',
    'ResetServiceSpecificCredential ResyncMFADevice SendDelegationToken SetDefaultPolicyVersion',
    '*SetSTSRegionalEndpointStatus *SetSecurityTokenServicePreferences *SimulateCustomPolicy SimulatePrincipalPolicy',
    'TagInstanceProfile TagMFADevice TagOpenIDConnectProvider TagPolicy TagRole TagSAMLProvider TagServerCertificate',
    'TagUser UntagInstanceProfile UntagMFADevice UntagOpenIDConnectProvider UntagPolicy UntagRole UntagSAMLProvider',
    'UntagServerCertificate UntagUser UpdateAccessKey *UpdateAccountEmailAddress *UpdateAccountName',
    '*UpdateAccountPasswordPolicy UpdateAssumeRolePolicy *UpdateCloudFrontPublicKey UpdateGroup UpdateLoginProfile',
    'UpdateOpenIDConnectProviderThumbprint UpdateRole UpdateRoleDescription UpdateSAMLProvider UpdateSSHPublicKey',
    'UpdateServerCertificate UpdateServiceSpecificCredential UpdateSigningCertificate UpdateUser',
    '*UploadCloudFrontPublicKey UploadSSHPublicKey UploadServerCertificate UploadSigningCertificate',
  ].join(' '),
  cli: {
    'get-role': 'GetRole',
  },
  query(name, req, scope) {
    const role = req.form['RoleName'];
    const resource = role
      ? role.startsWith('arn:')
        ? role
        : `arn:${scope.partition}:iam::${scope.account}:role/${role}`
      : (req.form['OpenIDConnectProviderArn'] ?? '*');
    return [check(`iam:${name}`, resource)];
  },
};
