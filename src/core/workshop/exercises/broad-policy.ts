/** An inline policy written in a hurry: every action of each service the pipeline uses, on every resource. */
import { concretePolicies } from '../../model.js';
import type { PolicyDocument } from '../../policy.js';
import type { Exercise } from '../types.js';
import { exerciseRepository, permissionFiles } from './repository.js';
import { code } from './markdown.js';

const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
const unique = (xs: string[]) => [...new Set(xs)];

export const broadPolicy: Exercise = {
  id: 'broad-policy',
  summary: 'the inline policy allows every action of each service the pipeline uses, on every resource',
  findingId: 'policy.broad',
  repository(model, files) {
    const broken = permissionFiles(model, (permissions) => {
      const services = unique(permissions.Statement.flatMap((s) => list(s.Action)).map((a) => a.split(':')[0]!));
      return { Version: permissions.Version, Statement: [{ Sid: 'PipelineAccess', Effect: 'Allow', Action: services.map((s) => `${s}:*`), Resource: '*' }] };
    });
    // what each role really needs: the generated statements, for the last hints only
    const needed = new Map(model.roles.map((r) => [r.permissionsFile, (concretePolicies(model, r).permissions as unknown as PolicyDocument).Statement]));
    const actions = [...needed].map(([file, statements]) => `- ${code(file)}: ${unique(statements.flatMap((s) => list(s.Action))).map(code).join(', ')}`);
    const statements = [...needed].map(([file, statements]) =>
      [
        `${code(file)}:`,
        '',
        ...statements.map((s) => `- ${list(s.Action).map(code).join(', ')} on ${list(s.Resource).map(code).join(', ')}${s.Condition ? `, with the condition ${code(JSON.stringify(s.Condition))}` : ''}`),
      ].join('\n'),
    );
    return exerciseRepository(model, files, broken, {
      title: 'a role that can do anything',
      task: [
        `The inline policy (${[...needed.keys()].map(code).join(', ')}) was written in a hurry: the pipeline works, but a leaked token would let anyone`,
        'do far more than deploy. Cut the policy down to what the pipeline\'s commands need.',
      ].join('\n'),
      hints: [
        `Read the script of each step in ${code('bitbucket-pipelines.yml')}: which AWS calls does it make?`,
        `Each AWS CLI call is one IAM action (${code('aws iam get-role')} is ${code('iam:GetRole')}), and most actions can be limited to named resources (ARNs); AWS's Service Authorization Reference says which. A ${code('*')} in an action's name or as the resource is what ${code('check')} objects to.`,
        `The actions the pipeline needs:\n\n${actions.join('\n')}`,
        `Replace the statement by one statement per line below (${code('"Effect": "Allow"')}, the actions as ${code('"Action"')}, the ARNs as ${code('"Resource"')}):\n\n${statements.join('\n\n')}`,
      ],
    });
  },
};
