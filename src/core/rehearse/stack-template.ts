/**
 * What CloudFormation itself checks of a template handed to CreateChangeSet or CreateStack, which the
 * emulator does not: the capabilities the request must acknowledge, the caller's right to use each transform,
 * and, per resource, the actions the stack's service role needs to create it. Resource types without a row
 * here are named as not evaluated, never passed silently.
 */
import { parseDocument } from 'yaml';
import { CFN_TAGS } from '../check/index.js';
import type { Authorization, Scope } from '../aws/index.js';
import { isObject } from '../util/index.js';

export interface StackTemplateVerdict {
  /** Capabilities CloudFormation requires that the request does not acknowledge. */
  missingCapabilities: string[];
  /** The caller's extra checks: `cloudformation:CreateChangeSet` on each AWS transform. */
  transforms: Authorization[];
  /** What the service role needs to create the template's resources. */
  resources: Authorization[];
  /** What was not evaluated: resource types without an action row, macros of the account. */
  notEvaluated: string[];
  /** What CloudFormation refuses before creating anything (a SAM function's code in a local folder). */
  invalid: string[];
  /** Why the template could not be read at all (then nothing of it is evaluated). */
  unreadable?: string;
}

type Props = Record<string, unknown>;
const check = (action: string, resource: string): Authorization => ({ action, resource, context: {} });
interface Place {
  scope: Scope;
  stack: string;
  logicalId: string;
}

/** The resource's physical name: its name property, or the one CloudFormation generates (`stack-Logical-RANDOM`). */
const nameOf = (props: Props, key: string, at: Place) =>
  typeof props[key] === 'string' ? (props[key] as string) : `${at.stack}-${at.logicalId}-GENERATED`;
const arn = (at: Place, service: string, resource: string) =>
  `arn:${at.scope.partition}:${service}:${at.scope.region}:${at.scope.account}:${resource}`;
const globalArn = (at: Place, service: string, resource: string) =>
  `arn:${at.scope.partition}:${service}::${at.scope.account}:${resource}`;

function roleChecks(props: Props, at: Place): Authorization[] {
  const path = typeof props['Path'] === 'string' ? (props['Path'] as string) : '/';
  const role = globalArn(at, 'iam', `role${path}${nameOf(props, 'RoleName', at)}`);
  return [
    check('iam:CreateRole', role),
    ...(props['Policies'] ? [check('iam:PutRolePolicy', role)] : []),
    ...(props['ManagedPolicyArns'] ? [check('iam:AttachRolePolicy', role)] : []),
  ];
}

/** Code in S3 (Lambda's Code.S3Bucket/S3Key, SAM's CodeUri as packaged): Lambda reads it with the creator's rights. */
function codeObject(props: Props): { bucket: string; key: string } | undefined {
  const code = props['Code'] as Props | undefined;
  const uri = props['CodeUri'];
  const pair = (bucket: unknown, key: unknown) =>
    typeof bucket === 'string' && typeof key === 'string' ? { bucket, key } : undefined;
  if (code && typeof code === 'object') return pair(code['S3Bucket'], code['S3Key']);
  if (typeof uri === 'string') {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    return m ? { bucket: m[1]!, key: m[2]! } : undefined;
  }
  if (uri && typeof uri === 'object') return pair((uri as Props)['Bucket'], (uri as Props)['Key']);
  return undefined;
}

function functionChecks(props: Props, at: Place): Authorization[] {
  const role = typeof props['Role'] === 'string' ? [check('iam:PassRole', props['Role'] as string)] : [];
  const code = codeObject(props);
  return [
    check('lambda:CreateFunction', arn(at, 'lambda', `function:${nameOf(props, 'FunctionName', at)}`)),
    ...role,
    ...(code ? [check('s3:GetObject', `arn:${at.scope.partition}:s3:::${code.bucket}/${code.key}`)] : []),
  ];
}

/** Resource type → the actions CloudFormation calls, as the service role, to create one. */
const CREATE: Record<string, (props: Props, at: Place) => Authorization[]> = {
  'AWS::SNS::Topic': (p, at) => [check('sns:CreateTopic', arn(at, 'sns', nameOf(p, 'TopicName', at)))],
  'AWS::SQS::Queue': (p, at) => [check('sqs:CreateQueue', arn(at, 'sqs', nameOf(p, 'QueueName', at)))],
  'AWS::S3::Bucket': (p, at) => [
    check('s3:CreateBucket', `arn:${at.scope.partition}:s3:::${nameOf(p, 'BucketName', at).toLowerCase()}`),
  ],
  'AWS::DynamoDB::Table': (p, at) => [
    check('dynamodb:CreateTable', arn(at, 'dynamodb', `table/${nameOf(p, 'TableName', at)}`)),
  ],
  'AWS::Logs::LogGroup': (p, at) => [
    check('logs:CreateLogGroup', arn(at, 'logs', `log-group:${nameOf(p, 'LogGroupName', at)}`)),
  ],
  'AWS::IAM::Role': roleChecks,
  'AWS::IAM::ManagedPolicy': (p, at) => [
    check('iam:CreatePolicy', globalArn(at, 'iam', `policy/${nameOf(p, 'ManagedPolicyName', at)}`)),
  ],
  'AWS::Lambda::Function': functionChecks,
  // the SAM transform turns a function without a Role into a function and an execution role it creates
  'AWS::Serverless::Function': (p, at) =>
    p['Role'] !== undefined
      ? functionChecks(p, at)
      : [
          ...roleChecks({ ManagedPolicyArns: true }, { ...at, logicalId: `${at.logicalId}Role` }),
          ...functionChecks({ ...p, Role: globalArn(at, 'iam', `role/${at.stack}-${at.logicalId}Role-GENERATED`) }, at),
        ],
};

/** IAM resource types, and the property that names each (a named one needs CAPABILITY_NAMED_IAM). */
const IAM_NAMES: Record<string, string | undefined> = {
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::User': 'UserName',
  'AWS::IAM::Group': 'GroupName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::IAM::InstanceProfile': 'InstanceProfileName',
  'AWS::IAM::Policy': undefined,
  'AWS::IAM::AccessKey': undefined,
  'AWS::IAM::UserToGroupAddition': undefined,
};

/** Parses YAML (CloudFormation's short tags included) or JSON, which is YAML too. */
function readTemplate(text: string): { template?: Record<string, unknown>; error?: string } {
  const doc = parseDocument(text, { customTags: CFN_TAGS });
  if (doc.errors.length) return { error: doc.errors[0]!.message.split('\n')[0]! };
  const template = doc.toJS() as unknown;
  return isObject(template) ? { template } : { error: 'the template is not a mapping' };
}

function capabilitiesOf(resources: Array<[string, string, Props]>, transforms: string[]): string[] {
  const needs = new Set<string>();
  for (const [, type, props] of resources) {
    // a SAM function without a Role gets an execution role named by CloudFormation
    if (type === 'AWS::Serverless::Function' && props['Role'] === undefined) needs.add('CAPABILITY_IAM');
    if (!(type in IAM_NAMES)) continue;
    const key = IAM_NAMES[type];
    needs.add(key && props[key] !== undefined ? 'CAPABILITY_NAMED_IAM' : 'CAPABILITY_IAM');
  }
  // a transform (macro) expands the template: AWS asks for the acknowledgement on the safe side
  if (transforms.length) needs.add('CAPABILITY_AUTO_EXPAND');
  return [...needs];
}

/** Judges a template as CloudFormation would before and while it creates the stack. */
export function judgeStackTemplate(
  text: string,
  options: { stack: string; capabilities: string[]; scope: Scope },
): StackTemplateVerdict {
  const { template, error } = readTemplate(text);
  if (!template)
    return {
      missingCapabilities: [],
      transforms: [],
      resources: [],
      notEvaluated: [],
      invalid: [],
      unreadable: error!,
    };
  const { scope, stack } = options;
  const declared = template['Transform'];
  const transforms = (Array.isArray(declared) ? declared : declared === undefined ? [] : [declared]).map(String);
  const resources = Object.entries(isObject(template['Resources']) ? template['Resources'] : {}).map(
    ([id, r]): [string, string, Props] => [
      id,
      isObject(r) && typeof r['Type'] === 'string' ? r['Type'] : '(no Type)',
      isObject(r) && isObject(r['Properties']) ? r['Properties'] : {},
    ],
  );
  const capabilities = capabilitiesOf(resources, transforms);
  const notEvaluated: string[] = [];
  const checks: Authorization[] = [];
  for (const [logicalId, type, props] of resources) {
    const create = CREATE[type];
    if (create) checks.push(...create(props, { scope, stack, logicalId }));
    else notEvaluated.push(`${logicalId} (${type}): no create actions known for this type`);
  }
  // the SAM transform takes code only from S3: a local folder is what `aws cloudformation package` uploads first
  const invalid = resources
    .filter(([, type, props]) => type === 'AWS::Serverless::Function' && typeof props['CodeUri'] === 'string')
    .filter(([, , props]) => !(props['CodeUri'] as string).startsWith('s3://'))
    .map(
      ([id, , props]) =>
        `Transform AWS::Serverless-2016-10-31 failed: ${id}'s CodeUri ${JSON.stringify(props['CodeUri'])} is not a valid S3 Uri of the form 's3://bucket/key': a local folder must be uploaded first (aws cloudformation package)`,
    );
  const awsTransform = (t: string) => /^AWS::[A-Za-z0-9-]+$/.test(t);
  for (const t of transforms.filter((x) => !awsTransform(x)))
    notEvaluated.push(`transform ${t}: a macro of the account, its expansion is not known`);
  return {
    missingCapabilities: capabilities.filter((c) => !options.capabilities.includes(c)),
    transforms: transforms
      .filter(awsTransform)
      .map((t) =>
        check(
          'cloudformation:CreateChangeSet',
          `arn:${scope.partition}:cloudformation:${scope.region}:aws:transform/${t.slice('AWS::'.length)}`,
        ),
      ),
    resources: checks,
    notEvaluated,
    invalid,
  };
}
