import { NOT_CODE, STEP_IMAGES } from '../facts/index.js';
import { shQuote } from '../util/index.js';
import type { TargetDefinition } from './definition.js';
import { RELATIVE_PATH } from './shared.js';

// zipped from the repository's root (--function-dir .), the pipeline, IAM side and state stay out of the code
const ZIP_CODE = `(cd {{functionDir}} || exit 1; set -- '.git/*'; [ "$PWD" != "$repository" ] || set -- "$@" ${NOT_CODE.map(shQuote).join(' ')}; zip -q -r "$package" . -x "$@")`;

/** Zip a folder as the function's code, wait for the update, and publish it as a version. */
export const lambdaDeploy: TargetDefinition = {
  id: 'lambda-deploy',
  title: 'Deploy code to a Lambda function',
  description:
    "On every push to main: zip a folder as the code of an existing Lambda function (up to 50 MB zipped), wait until the function is updated, and publish a version described with the commit hash. The folder is `src` unless you name another; with `.` (the whole repository) the zip leaves out what is not the function's code: `.git`, the pipeline, the IAM side (policies, Terraform, CloudFormation), Terraform state and the other files pipelines-oidc writes.",
  questions: [
    {
      name: 'functionName',
      flag: 'function-name',
      description: 'Name of the Lambda function (not its ARN)',
      example: 'acme-api',
      pattern: '^[A-Za-z0-9_-]{1,64}$',
      perEnvironment: true,
    },
    {
      name: 'functionDir',
      flag: 'function-dir',
      description:
        'Folder whose contents become the function code (with ., the repository less its pipeline and IAM side)',
      example: 'src',
      pattern: RELATIVE_PATH,
      insideRepository: true,
      default: 'src',
    },
  ],
  pipeline: { trigger: 'branch', name: 'main' },
  step: {
    name: 'Deploy the Lambda function',
    image: STEP_IMAGES.awsCli.name,
    // the image (Amazon Linux) has no zip
    setup: ['yum install -y -q zip'],
    script: [
      'package="$(mktemp -d)/function.zip"',
      'repository="$PWD"',
      ZIP_CODE,
      // --query: the full answer would print the function's environment variables into the log
      'aws lambda update-function-code --function-name {{functionName}} --zip-file "fileb://$package" --query CodeSha256 --output text',
      'aws lambda wait function-updated --function-name {{functionName}}',
      'aws lambda publish-version --function-name {{functionName}} --description "Bitbucket commit $BITBUCKET_COMMIT" --query Version --output text',
    ],
  },
  statements: [
    {
      Sid: 'LambdaDeploy',
      Effect: 'Allow',
      Action: ['lambda:UpdateFunctionCode', 'lambda:GetFunctionConfiguration', 'lambda:PublishVersion'],
      Resource: 'arn:{{partition}}:lambda:{{region}}:{{account}}:function:{{functionName}}',
    },
  ],
  notes: [
    '`lambda:UpdateFunctionCode`, `lambda:GetFunctionConfiguration` and `lambda:PublishVersion` on this function only: upload the code, let `aws lambda wait function-updated` poll the update, and publish the result as a version.',
  ],
  rehearsal: {
    seed: [
      'aws iam create-role --role-name {{functionName}}-rehearsal --assume-role-policy-document \'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}\'',
      'printf \'def handler(event, context):\\n    return event\\n\' > "$REHEARSAL_TMP"/index.py',
      '(cd "$REHEARSAL_TMP" && zip -q seed.zip index.py)',
      'aws lambda create-function --function-name {{functionName}} --runtime python3.12 --handler index.handler --role arn:{{partition}}:iam::{{account}}:role/{{functionName}}-rehearsal --zip-file fileb://"$REHEARSAL_TMP"/seed.zip',
    ],
    files: [
      {
        path: '{{functionDir}}/index.py',
        reads: '{{functionDir}}',
        text: 'def handler(event, context):\n    return event\n',
      },
    ],
  },
};
