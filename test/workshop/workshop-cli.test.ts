/**
 * `pipelines-oidc workshop` through the built CLI: a 20-attendee workshop with two exercises, what each
 * attendee gets, the facilitator's IaC read back by independent parsers, SUMMARY.md, workshop.json,
 * re-runs, --dry-run, --force, the usage errors, and the confirmation on a terminal.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { concretePolicies } from '../../src/core/repo/model.ts';
import { BUILT_IN_TARGETS } from '../../src/core/targets/registry.ts';
import { planWorkshop } from '../../src/core/workshop/plan.ts';
import { ROLES_PER_STACK } from '../../src/render/workshop-cloudformation.ts';
import { slugOf } from '../../src/core/workshop/roster.ts';
import type { WorkshopState } from '../../src/core/workshop/types.ts';
import { toolVersion } from '../../src/paths.ts';
import { markdownCode, markdownText } from '../../src/render/helpers.ts';
import { facilitatorFiles } from '../../src/render/workshop-facilitator.ts';
import { parseCloudFormation } from '../support/cfn-resolve.ts';
import { assertOneLineError, listFiles, onlyJson, readTree, stagingLeftovers } from '../support/cli-helpers.ts';
import { answers, CLI, renderRepo, runCli, tempDir, workshopTemplates, WORKSHOP_SOURCES } from '../support/fixtures.ts';
import { evaluate, parseHcl } from '../support/hcl-resolve.ts';
import { hasTmux, withTerminal } from '../support/pty.ts';
import { decidableErrors, propertyVariants } from '../support/schema-cfn.ts';
import { formatErrors, referencePresent, registrySchema } from '../support/schema-reference.ts';

const BASE = [
  '--workspace',
  'phub',
  '--workspace-uuid',
  '{7A3E5C1D-2B4F-4E6A-9C8D-1F2E3D4C5B6A}',
  '--account',
  '123456789012',
  '--region',
  'eu-west-1',
  '--iac',
  'both',
];
const NAMES = [
  'Ana López',
  "O'Brien, Bob",
  'Zoë | Pipe',
  'Star *bold* _x_',
  'Chen Wei',
  'Dmitri Ivanov',
  'Émile Zola',
  'Fatima Zahra',
  'Gus "The Bus"',
  'Hana <b>',
  'Ivo',
  'Jun-ho Park',
  'Kofi Annan',
  'Lena\nNewline',
  'Mateo',
  'Nia',
  'Oskar',
  'Priya',
  'Quinn',
  'Rosa',
];
const uuidOf = (i: number) => `aaaaaaaa-0000-4000-8000-${String(i).padStart(12, '0')}`;
const csvField = (s: string) => `"${s.replace(/"/g, '""')}"`;
/** The roster: UUIDs in braces and uppercase for odd rows (stored lowercase, without braces). */
const ROSTER = [
  'attendee,repo_uuid',
  ...NAMES.map((n, i) => `${csvField(n)},${i % 2 ? `{${uuidOf(i).toUpperCase()}}` : uuidOf(i)}`),
].join('\r\n');
const EXERCISE_IDS = [null, 'workspace-wide-trust', 'sub-exact'];
const EXERCISE_FLAG = ['--exercise', 'none,workspace-wide-trust,sub-exact'];

interface Attendee {
  attendee: string;
  repo: string;
  dir: string;
  exercise: string | null;
  roleName: string;
  roleArns: string[];
  status: string;
  files: string[];
}
interface Result {
  out: string;
  dryRun: boolean;
  attendees: Attendee[];
  facilitator: { dir: string; status: string; files: string[] };
}

const expectedAnswers = (i: number) =>
  answers({ name: slugOf(NAMES[i]!), repoUuid: uuidOf(i), roleName: `bitbucket-workshop-${slugOf(NAMES[i]!)}` });
/** What new renders for each attendee (rendering compiles the templates: done once for the suite). */
const EXPECTED = NAMES.map((_, i) => renderRepo(expectedAnswers(i), toolVersion()));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function withWorkshop(
  body: (root: string, run: (extra?: string[]) => ReturnType<typeof runCli>) => void | Promise<void>,
): Promise<void> {
  const tmp = tempDir();
  writeFileSync(join(tmp.path, 'roster.csv'), ROSTER);
  const run = (extra: string[] = []) =>
    runCli(['workshop', '--roster', 'roster.csv', '--out', 'out', ...BASE, ...extra], {
      cwd: tmp.path,
      env: { FORCE_COLOR: undefined, AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined },
    });
  return Promise.resolve(body(tmp.path, run)).finally(tmp.cleanup);
}

test("20 attendees, two exercises: one folder each plus the facilitator's, as new writes them", () =>
  withWorkshop((root, run) => {
    const result = onlyJson(run([...EXERCISE_FLAG, '--json'])) as Result;
    assert.is(result.attendees.length, 20);
    assert.equal(
      result.attendees.map((a) => a.exercise),
      NAMES.map((_, i) => EXERCISE_IDS[i % 3]),
    );
    assert.equal(
      result.attendees.map((a) => a.repo),
      NAMES.map(slugOf),
    );
    assert.ok(result.attendees.every((a) => a.status === 'new') && result.facilitator.status === 'new');
    const out = join(root, 'out');
    assert.equal(stagingLeftovers(out), []);
    assert.equal(
      listFiles(out)
        .map((p) => p.split('/')[0])
        .filter((d, i, all) => all.indexOf(d) === i)
        .sort(),
      [...NAMES.map(slugOf), 'facilitator'].sort(),
    );
    NAMES.forEach((_, i) => {
      const tree = readTree(join(out, slugOf(NAMES[i]!)));
      const plain = EXPECTED[i]!.files;
      if (EXERCISE_IDS[i % 3] === null)
        assert.equal(
          tree,
          new Map([...plain].sort(([a], [b]) => (a < b ? -1 : 1))),
          `attendee ${i} gets exactly what new writes`,
        );
      else {
        assert.ok(tree.has('EXERCISE.md'), `attendee ${i} has EXERCISE.md`);
        assert.is.not(
          tree.get('iam/trust-policy.json'),
          plain.get('iam/trust-policy.json'),
          `attendee ${i}'s trust policy is broken`,
        );
      }
    });
  }));

test('facilitator Terraform: one provider, one role and policy per attendee, the working documents, trust scoped to the repository', () =>
  withWorkshop(async (root, run) => {
    assert.is(run(EXERCISE_FLAG).status, 0);
    const dir = join(root, 'out/facilitator/terraform');
    const main = await parseHcl('main.tf', readFileSync(join(dir, 'main.tf'), 'utf8'));
    const resources = main['resource'] as Record<string, Record<string, Array<Record<string, unknown>>>>;
    assert.equal(Object.keys(resources['aws_iam_openid_connect_provider']!), ['bitbucket']);
    const provider = resources['aws_iam_openid_connect_provider']!['bitbucket']![0]!;
    assert.is(
      evaluate(provider['url'], { variables: {} }),
      'https://api.bitbucket.org/2.0/workspaces/phub/pipelines-config/identity/oidc',
    );
    assert.equal(evaluate(provider['client_id_list'], { variables: {} }), [
      'ari:cloud:bitbucket::workspace/7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a',
    ]);
    const roles = Object.values(resources['aws_iam_role']!).map((b) => b[0]!);
    const policies = Object.values(resources['aws_iam_role_policy']!).map((b) => b[0]!);
    assert.is(roles.length, 20);
    assert.is(policies.length, 20);
    NAMES.forEach((_, i) => {
      const { model, files } = EXPECTED[i]!;
      const role = roles.find((r) => evaluate(r['name'], { variables: {} }) === model.answers.roleName);
      assert.ok(role, `a role named ${model.answers.roleName}`);
      const trust = JSON.parse(evaluate(role!['assume_role_policy'], { variables: {} }) as string) as {
        Statement: Array<{ Condition: Record<string, Record<string, string>> }>;
      };
      assert.equal(trust, concretePolicies(model, model.roles[0]!).trustPolicy);
      assert.equal(Object.values(trust.Statement[0]!.Condition['StringLike']!), [`{${uuidOf(i)}}:*`]);
      const attendeeTrust = readFileSync(join(root, 'out', model.answers.name, 'iam/trust-policy.json'), 'utf8');
      if (EXERCISE_IDS[i % 3] === null)
        assert.equal(trust, JSON.parse(attendeeTrust), "the attendee's own trust-policy.json");
      const label = Object.entries(resources['aws_iam_role']!).find(([, b]) => b[0] === role)![0];
      const policy = policies.find((p) => p['role'] === `\${aws_iam_role.${label}.id}`);
      assert.equal(
        JSON.parse(evaluate(policy!['policy'], { variables: {} }) as string),
        JSON.parse(files.get('iam/inline-policy.json')!),
      );
    });
    const outputs = await parseHcl('outputs.tf', readFileSync(join(dir, 'outputs.tf'), 'utf8'));
    assert.equal(Object.keys(outputs['output'] as object).sort(), ['oidc_provider_arn', 'role_arns']);
  }));

test('facilitator CloudFormation: the same roles in one stack, valid against the registry schemas when on file', () =>
  withWorkshop((root, run) => {
    assert.is(run(EXERCISE_FLAG).status, 0);
    const template = parseCloudFormation(
      readFileSync(join(root, 'out/facilitator/cloudformation/workshop.yaml'), 'utf8'),
    );
    const resources = Object.values(
      template['Resources'] as Record<string, { Type: string; Properties: Record<string, unknown> }>,
    );
    assert.is(resources.filter((r) => r.Type === 'AWS::IAM::OIDCProvider').length, 1);
    const roles = resources.filter((r) => r.Type === 'AWS::IAM::Role');
    assert.is(roles.length, 20);
    NAMES.forEach((_, i) => {
      const { model, files } = EXPECTED[i]!;
      const role = roles.find((r) => r.Properties['RoleName'] === model.answers.roleName)!;
      assert.equal(role.Properties['AssumeRolePolicyDocument'], concretePolicies(model, model.roles[0]!).trustPolicy);
      assert.equal(role.Properties['Policies'], [
        { PolicyName: 'pipelines-oidc-permissions', PolicyDocument: JSON.parse(files.get('iam/inline-policy.json')!) },
      ]);
    });
    if (!referencePresent())
      return console.log(
        'note: ../shared/reference is absent; the workshop template is not checked against the registry schemas',
      );
    for (const r of resources) {
      const schema = registrySchema(r.Type)!;
      for (const properties of propertyVariants(r.Properties, (template['Parameters'] ?? {}) as never)) {
        schema.validate(properties);
        assert.equal(
          formatErrors(decidableErrors(schema.validate.errors, properties)),
          '',
          `${r.Type} ${JSON.stringify(properties).slice(0, 80)}`,
        );
      }
    }
  }));

test("SUMMARY.md and each attendee's README tell one story: the facilitator creates the IAM side, attendees skip it", () =>
  withWorkshop((root, run) => {
    assert.is(run([]).status, 0);
    const summary = readFileSync(join(root, 'out/facilitator/SUMMARY.md'), 'utf8');
    assert.match(summary, 'Attendees do not create the IAM side');
    assert.match(summary, 'Apply only this folder');
    const readme = readFileSync(join(root, 'out', expectedAnswers(0).name, 'README.md'), 'utf8');
    const step = readme.split('\n3. ')[1]!.split('\n4. ')[0]!;
    assert.match(step, /In a workshop, skip this step: the\s+facilitator creates every attendee's role/);
    assert.match(step, 'SUMMARY.md');
  }));

test('SUMMARY.md: a table row per attendee with repository, role ARN, exercise and variables, Markdown-escaped', () =>
  withWorkshop((root, run) => {
    assert.is(run(EXERCISE_FLAG).status, 0);
    const summary = readFileSync(join(root, 'out/facilitator/SUMMARY.md'), 'utf8');
    const rows = summary
      .split('\n')
      .filter((l) => l.startsWith('| ') && !l.startsWith('| attendee') && !l.startsWith('| ---'));
    assert.is(rows.length, 20);
    NAMES.forEach((name, i) => {
      const a = expectedAnswers(i);
      const arn = `arn:aws:iam::123456789012:role/${a.roleName}`;
      const exercise = EXERCISE_IDS[i % 3];
      assert.is(
        rows[i],
        `| ${markdownText(name)} | ${markdownCode(a.name)} | ${markdownCode(arn)} | ${exercise ? markdownCode(exercise) : '—'} | \`AWS_OIDC_ROLE_ARN\` = ${markdownCode(arn)}<br>\`AWS_DEFAULT_REGION\` = \`eu-west-1\` |`,
      );
      // a table row has exactly its six cell borders: every other pipe is escaped
      assert.is(rows[i]!.replace(/\\\|/g, '').split('|').length - 1, 6, rows[i]);
    });
    assert.ok(
      summary.includes('Zoë \\| Pipe') &&
        summary.includes('Star \\*bold\\* \\_x\\_') &&
        summary.includes('Hana \\<b\\>'),
      'escaped',
    );
  }));

test('workshop.json: the state grade reads, one entry per attendee', () =>
  withWorkshop((root, run) => {
    assert.is(run(EXERCISE_FLAG).status, 0);
    const state = JSON.parse(readFileSync(join(root, 'out/facilitator/workshop.json'), 'utf8')) as WorkshopState;
    assert.equal(state, {
      tool: 'pipelines-oidc',
      version: toolVersion(),
      attendees: NAMES.map((attendee, i) => {
        const a = expectedAnswers(i);
        return {
          attendee,
          repo: a.name,
          exercise: EXERCISE_IDS[i % 3] ?? null,
          roleName: a.roleName,
          roleArn: `arn:aws:iam::123456789012:role/${a.roleName}`,
        };
      }),
    });
  }));

const snapshot = (dir: string) =>
  new Map(
    listFiles(dir).map((p) => {
      const s = statSync(join(dir, p));
      return [p, `${s.ino}:${s.mtimeMs}`];
    }),
  );

test('a re-run with the same roster and flags needs no --force and writes nothing', () =>
  withWorkshop((root, run) => {
    assert.is(run(EXERCISE_FLAG).status, 0);
    const out = join(root, 'out');
    const before = snapshot(out);
    const again = run(EXERCISE_FLAG);
    assert.is(again.status, 0, again.stderr);
    assert.is(again.stdout, "Nothing to write: 20 repositories and the facilitator's folder in out are up to date\n");
    const json = onlyJson(run([...EXERCISE_FLAG, '--json'])) as Result;
    assert.ok(
      json.attendees.every((a) => a.status === 'unchanged' && a.files.length === 0) &&
        json.facilitator.status === 'unchanged',
    );
    assert.equal(snapshot(out), before, 'no file rewritten');
  }));

test('a changed workshop needs --force, then only the changed files are written', () =>
  withWorkshop((root, run) => {
    assert.is(run().status, 0);
    const out = join(root, 'out');
    const before = readTree(out);
    const refused = run(['--region', 'us-east-1']);
    assertOneLineError(refused, 1, ['21 existing folders would change', 'out/ana-lopez (', 'Pass --force']);
    assert.equal(readTree(out), before, 'nothing changed');
    const stamps = snapshot(out);
    const forced = onlyJson(run(['--region', 'us-east-1', '--force', '--json'])) as Result;
    assert.ok(forced.attendees.every((a) => a.status === 'changed'));
    assert.ok(
      !forced.attendees[0]!.files.includes('.gitignore') &&
        forced.attendees[0]!.files.includes('terraform/terraform.tfvars'),
      forced.attendees[0]!.files.join(),
    );
    const after = snapshot(out);
    assert.is(
      after.get('ana-lopez/.gitignore'),
      stamps.get('ana-lopez/.gitignore'),
      'an unchanged file is not rewritten',
    );
    assert.ok(readFileSync(join(out, 'facilitator/terraform/main.tf'), 'utf8').includes('region = "us-east-1"'));
  }));

test('--dry-run lists the folders and writes nothing', () =>
  withWorkshop((root, run) => {
    const r = run([...EXERCISE_FLAG, '--dry-run']);
    assert.is(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      /^Would write 20 repositories and the facilitator's folder in out: 21 new, 0 changed, 0 unchanged \(dry run, nothing written\)\n/,
    );
    assert.ok(r.stdout.includes('  out/o-brien-bob/ (new, 6 files, exercise workspace-wide-trust)\n'), r.stdout);
    assert.ok(r.stdout.includes('  out/facilitator/ (new, 5 files)\n'), r.stdout);
    assert.equal(listFiles(root), ['roster.csv']);
  }));

test('usage errors exit 2 naming the flag, and write nothing', () =>
  withWorkshop((root, run) => {
    assertOneLineError(run(['--exercise', 'sub-exact,xyzzy']), 2, [
      '--exercise: unknown exercise "xyzzy" (known: workspace-wide-trust',
      'sub-exact',
      'none)',
    ]);
    for (const n of ['0', '33', 'four'])
      assertOneLineError(run(['--concurrency', n]), 2, ['--concurrency: must be a whole number from 1 to 32']);
    assertOneLineError(run(['--push-template', 'git@bitbucket.org:phub/repo.git']), 2, [
      '--push-template: must contain {repo}',
    ]);
    assertOneLineError(run(['--environment', 'test=11111111-1111-4111-8111-111111111111']), 2, [
      '--environment: a deployment environment has another UUID',
    ]);
    assertOneLineError(run(['--dir', 'x']), 2, ['unknown option --dir']);
    assertOneLineError(runCli(['workshop', '--out', 'out'], { cwd: root }), 2, [
      'workshop needs --roster <attendees.csv> and --out <dir>',
    ]);
    assertOneLineError(runCli(['workshop', '--roster', 'missing.csv', '--out', 'out', ...BASE], { cwd: root }), 2, [
      '--roster missing.csv: cannot read the file',
    ]);
    assert.equal(listFiles(root), ['roster.csv']);
  }));

test('--list-exercises prints every exercise; grade is dispatched to the grader', () =>
  withWorkshop((root, run) => {
    const list = runCli(['workshop', '--list-exercises'], { cwd: root });
    assert.is(list.status, 0, list.stderr);
    for (const id of ['workspace-wide-trust', 'sub-exact', 'missing-oidc'])
      assert.match(list.stdout, new RegExp(`^${id} `, 'm'));
    writeFileSync(join(root, 'roster.csv'), 'attendee\nAna\nBo\n');
    assert.is(run(['--exercise', 'none,sub-exact']).status, 0);
    const grade = runCli(['workshop', 'grade', 'out', '--json'], { cwd: root });
    const rows = JSON.parse(grade.stdout) as Array<{ repo: string; exercise: string | null }>;
    assert.equal(
      rows.map((r) => [r.repo, r.exercise]),
      [
        ['ana', null],
        ['bo', 'sub-exact'],
      ],
    );
  }));

test('facilitator files: repositories whose identifiers collide stay apart; past 200 roles CloudFormation is split, the provider once', async () => {
  const n = ROLES_PER_STACK + 1;
  const rows = [
    'attendee,repo',
    'A B,a.b',
    'A C,a-b',
    'A D,a_b',
    ...Array.from({ length: n - 3 }, (_, i) => `P${i},p${i}`),
  ];
  const plan = planWorkshop({
    sources: WORKSHOP_SOURCES,
    gallery: BUILT_IN_TARGETS,
    roster: { label: 'r.csv', text: rows.join('\n') },
    exercises: [],
  });
  const files = new Map(
    facilitatorFiles(plan.entries, '0.0.0-test', workshopTemplates).map((f) => [f.path, f.content]),
  );
  assert.equal(
    [...files.keys()],
    [
      'terraform/main.tf',
      'terraform/outputs.tf',
      'cloudformation/workshop-1.yaml',
      'cloudformation/workshop-2.yaml',
      'SUMMARY.md',
      'workshop.json',
    ],
  );
  const main = await parseHcl('main.tf', files.get('terraform/main.tf')!);
  const labels = Object.keys((main['resource'] as Record<string, object>)['aws_iam_role']!);
  assert.is(labels.length, n);
  assert.equal(labels.slice(0, 3), ['a_b', 'a_b_2', 'a_b_3']);
  const stacks = ['cloudformation/workshop-1.yaml', 'cloudformation/workshop-2.yaml'].map(
    (p) =>
      parseCloudFormation(files.get(p)!)['Resources'] as Record<
        string,
        { Type: string; Properties: Record<string, unknown> }
      >,
  );
  assert.equal(
    stacks.map((r) => Object.values(r).filter((x) => x.Type === 'AWS::IAM::OIDCProvider').length),
    [1, 0],
  );
  assert.equal(
    stacks.map((r) => Object.values(r).filter((x) => x.Type === 'AWS::IAM::Role').length),
    [ROLES_PER_STACK, 1],
  );
  assert.equal(Object.keys(stacks[0]!).slice(1, 4), ['RoleAB', 'RoleAB2', 'RoleAB3']);
  assert.equal(
    Object.values(stacks[0]!)
      .slice(1, 4)
      .map((r) => r.Properties['RoleName']),
    ['bitbucket-workshop-a-b', 'bitbucket-workshop-a-c', 'bitbucket-workshop-a-d'],
  );
  const summary = files.get('SUMMARY.md')!;
  assert.ok(
    summary.includes('--stack-name bitbucket-oidc-workshop-phub-1') &&
      summary.includes('--stack-name bitbucket-oidc-workshop-phub-2'),
    'both stacks deployed',
  );
});

if (hasTmux()) {
  test('on a terminal it shows the plan and asks first: "n" writes nothing and exits 130', () =>
    withWorkshop(async (root) => {
      const argv = [process.execPath, CLI, 'workshop', '--roster', 'roster.csv', '--out', 'out', ...BASE];
      const env = { NO_COLOR: '1', FORCE_COLOR: undefined, AWS_REGION: undefined };
      await withTerminal(argv, { cwd: root, env }, async (t) => {
        const screen = await t.waitFor('Write the workshop to out?');
        assert.ok(
          screen.includes("About to write 20 repositories and the facilitator's folder in out: 21 new"),
          screen,
        );
        t.type('n');
        t.press('Enter');
        assert.is(await t.exitCode(), 130);
      });
      assert.equal(listFiles(root), ['roster.csv']);
      await withTerminal(argv, { cwd: root, env }, async (t) => {
        await t.waitFor('Write the workshop to out?');
        t.press('Enter');
        assert.is(await t.exitCode(), 0);
      });
      assert.is(listFiles(join(root, 'out')).filter((p) => p.endsWith('/workshop.json')).length, 1);
    }));
} else {
  console.log('note: tmux is not installed; the terminal confirmation test of workshop is skipped');
}

test.run();
