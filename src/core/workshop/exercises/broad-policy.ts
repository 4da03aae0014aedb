/** An inline policy written in a hurry: every action of each service the pipeline uses, on every resource. */
import { code, codeList, joined, md } from '../../util/index.js';
import { concretePolicies } from '../../repo/index.js';
import { type PolicyDocument, PIPELINE_FILE } from '../../facts/index.js';
import type { Exercise } from '../types.js';
import { permissionFiles } from './repository.js';

const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
const unique = (xs: string[]) => [...new Set(xs)];

export const broadPolicy: Exercise = {
  id: 'broad-policy',
  summary: 'the inline policy allows every action of each service the pipeline uses, on every resource',
  findingId: 'policy.broad',
  repository(model) {
    const broken = permissionFiles(model, (permissions) => {
      const services = unique(permissions.Statement.flatMap((s) => list(s.Action)).map((a) => a.split(':')[0]!));
      return {
        Version: permissions.Version,
        Statement: [{ Sid: 'PipelineAccess', Effect: 'Allow', Action: services.map((s) => `${s}:*`), Resource: '*' }],
      };
    });
    // what each role really needs: the generated statements, for the last hints only
    const needed = new Map(
      model.roles.map((r) => [
        r.permissionsFile,
        (concretePolicies(model, r).permissions as unknown as PolicyDocument).Statement,
      ]),
    );
    const actions = [...needed].map(
      ([file, statements]) => md`- ${code(file)}: ${codeList(unique(statements.flatMap((s) => list(s.Action))))}`,
    );
    const statements = [...needed].map(([file, statements]) =>
      joined(
        [
          md`${code(file)}:`,
          md``,
          ...statements.map(
            (s) =>
              md`- ${codeList(list(s.Action))} on ${codeList(list(s.Resource))}${s.Condition ? md`, with the condition ${code(JSON.stringify(s.Condition))}` : md``}`,
          ),
        ],
        '\n',
      ),
    );
    return {
      broken,
      text: {
        title: 'a role that can do anything',
        task: md`The inline policy (${codeList([...needed.keys()])}) was written in a hurry: the pipeline works, but a leaked token would let anyone
do far more than deploy. Cut the policy down to what the pipeline's commands need.`,
        hints: [
          md`Read the script of each step in ${code(PIPELINE_FILE)}: which AWS calls does it make?`,
          md`Each AWS CLI call is one IAM action (${code('aws iam get-role')} is ${code('iam:GetRole')}), and most actions can be limited to named resources (ARNs); AWS's Service Authorization Reference says which. A ${code('*')} in an action's name or as the resource is what ${code('check')} objects to.`,
          md`The actions the pipeline needs:\n\n${joined(actions, '\n')}`,
          md`Replace the statement by one statement per line below (${code('"Effect": "Allow"')}, the actions as ${code('"Action"')}, the ARNs as ${code('"Resource"')}):\n\n${joined(statements, '\n\n')}`,
        ],
      },
    };
  },
};
