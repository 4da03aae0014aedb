/**
 * The paths of the files pipelines-oidc writes, relative to the folder they are written in (a repository,
 * an exercise repository, the workshop's facilitator folder), and what recognises them. Defined once here:
 * `new` and `workshop` write these paths and `check`, `update`, `apply` and `rehearse` look for them, so a
 * second spelling could only drift. Pure.
 */

/** The pipeline: Bitbucket reads it at the repository's root, under this name only. */
export const PIPELINE_FILE = 'bitbucket-pipelines.yml';

/** The manifest, the one record of a generated repository (answers and a hash of each file), written last. */
export const MANIFEST_FILE = '.pipelines-oidc.json';

/** Our README in a repository of our own making. */
export const README_FILE = 'README.md';

/** Our README in a repository that has its own README.md. */
export const SETUP_README = 'OIDC-SETUP.md';

/** Our ignore lines (Terraform state, credentials); appended to a repository's own file. */
export const GITIGNORE = '.gitignore';

/** The folder of the roles' IAM JSON: the repository's role in it, one folder per deployment environment. */
export const IAM_DIR = 'iam';

/** The folder of a role's IAM JSON: `iam`, or `iam/<environment>`. */
const iamDir = (environment?: string) => (environment ? `${IAM_DIR}/${environment}` : IAM_DIR);

/** A role's trust policy: who may assume it (`iam/trust-policy.json`, `iam/<environment>/trust-policy.json`). */
export const trustPolicyPath = (environment?: string) => `${iamDir(environment)}/trust-policy.json`;

/** A role's inline policy: what it may do (`iam/inline-policy.json`, `iam/<environment>/inline-policy.json`). */
export const inlinePolicyPath = (environment?: string) => `${iamDir(environment)}/inline-policy.json`;

/** A role's policy file as its environment (undefined: the repository's role) and kind, or undefined when `path` is none. */
export function rolePolicyFile(path: string): { environment?: string; kind: 'trust' | 'inline' } | undefined {
  const parts = path.split('/');
  if (parts[0] !== IAM_DIR || parts.length > 3) return undefined;
  const environment = parts.length === 3 ? parts[1] : undefined;
  if (environment === '') return undefined;
  const kind =
    path === trustPolicyPath(environment) ? 'trust' : path === inlinePolicyPath(environment) ? 'inline' : undefined;
  if (!kind) return undefined;
  return environment === undefined ? { kind } : { environment, kind };
}

/** Whether a file lies in a folder named `iam` (any case): a JSON file there is taken for a policy. */
export const inIamFolder = (file: string) =>
  file
    .split('/')
    .slice(0, -1)
    .some((folder) => folder.toLowerCase() === IAM_DIR);

/** The Terraform module's folder. */
export const TERRAFORM_DIR = 'terraform';

/** The file Terraform reads a folder's variable values from, by its own convention. */
export const TFVARS_NAME = 'terraform.tfvars';

/** The Terraform module's files, in the order they are written. */
export const TERRAFORM_FILE = {
  /** Terraform and AWS provider versions. */
  versions: `${TERRAFORM_DIR}/versions.tf`,
  /** The variables, each validated. */
  variables: `${TERRAFORM_DIR}/variables.tf`,
  /** The identity provider, roles and inline policies (also the workshop's every role). */
  main: `${TERRAFORM_DIR}/main.tf`,
  /** Role ARNs and the provider ARN. */
  outputs: `${TERRAFORM_DIR}/outputs.tf`,
  /** The answers, as variable values. */
  tfvars: `${TERRAFORM_DIR}/${TFVARS_NAME}`,
} as const;

/** The CloudFormation templates' folder. */
export const CLOUDFORMATION_DIR = 'cloudformation';

/** The repository's IAM side as one CloudFormation stack. */
export const CLOUDFORMATION_FILE = `${CLOUDFORMATION_DIR}/oidc-role.yaml`;

/**
 * What a generated repository holds besides code, as `zip -x` patterns (`*` spans folders): the pipeline,
 * IAM side, Terraform state and our files, kept out of code zipped from the repository's root.
 */
export const NOT_CODE: readonly string[] = [
  PIPELINE_FILE,
  MANIFEST_FILE,
  README_FILE,
  SETUP_README,
  GITIGNORE,
  `${IAM_DIR}/*`,
  `${TERRAFORM_DIR}/*`,
  `${CLOUDFORMATION_DIR}/*`,
  '.terraform/*',
  '*.tfstate',
  '*.tfstate.*',
  '*.tfplan',
];

/** Whether a file is of the IAM side: the roles' JSON, Terraform or CloudFormation. */
export function isIamSide(file: string): boolean {
  const [folder, ...rest] = file.split('/');
  return rest.length > 0 && [IAM_DIR, TERRAFORM_DIR, CLOUDFORMATION_DIR].includes(folder!);
}

/** Files whose absence leaves a repository without a working pipeline or IAM side (a README or .gitignore is not one). */
export const isEssential = (file: string) => file === PIPELINE_FILE || isIamSide(file);

/** The workshop's facilitator folder beside the attendees' repositories: no repository may take its name. */
export const FACILITATOR_DIR = 'facilitator';

/** In the facilitator's folder: the workshop's state, which `workshop grade` and a re-run read. */
export const WORKSHOP_STATE_FILE = 'workshop.json';

/** In the facilitator's folder: how to create the IAM side, and what each attendee sets. */
export const SUMMARY_FILE = 'SUMMARY.md';

/** In the facilitator's folder: stack `part` of the workshop's CloudFormation (undefined: the only one). */
export const workshopStackPath = (part?: string) =>
  `${CLOUDFORMATION_DIR}/${part === undefined ? 'workshop' : `workshop-${part}`}.yaml`;

/** In an exercise repository: what is broken, the task and its hints. */
export const EXERCISE_FILE = 'EXERCISE.md';

/** A file of a repository and its template; `role` names the role (its key) a per-role file is for. */
export interface GeneratedFile {
  path: string;
  template: string;
  role?: string;
}

/**
 * The files of a repository in the order they are written, the manifest last (it records the others'
 * hashes): `iac` says which IaC, `guide` is our README's path. Every role's IAM JSON is rendered by the
 * templates of the repository's role.
 */
export function repositoryFiles(
  iac: string,
  roles: ReadonlyArray<{ key: string; trustFile: string; permissionsFile: string }>,
  guide: string,
): GeneratedFile[] {
  const plain = (path: string) => ({ path, template: templateOf(path) });
  return [
    plain(PIPELINE_FILE),
    ...roles.flatMap((r) => [
      { path: r.trustFile, template: templateOf(trustPolicyPath()), role: r.key },
      { path: r.permissionsFile, template: templateOf(inlinePolicyPath()), role: r.key },
    ]),
    ...(iac === 'terraform' || iac === 'both' ? Object.values(TERRAFORM_FILE).map(plain) : []),
    ...(iac === 'cloudformation' || iac === 'both' ? [plain(CLOUDFORMATION_FILE)] : []),
    { path: guide, template: templateOf(README_FILE) },
    plain(GITIGNORE),
    plain(MANIFEST_FILE),
  ];
}

/** The template a file is rendered from: its path plus `.hbs`, a leading dot as `_` (npm drops dot-files from packages). */
export const templateOf = (path: string) => `${path.replace(/(^|\/)\./, '$1_')}.hbs`;
