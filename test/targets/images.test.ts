/**
 * Step images: every built-in target runs in an image defined once and still supported today (this test
 * fails the day one is not: move it), `check` recognises images past their end of life however they are
 * spelled, and a generated README lists the images it chose.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pipelineFindings } from '../../src/core/check/findings.ts';
import { releaseLineOf, STEP_IMAGES } from '../../src/core/facts/images.ts';
import { BUILT_IN_TARGETS } from '../../src/core/targets/registry.ts';
import { answers, renderRepo } from '../support/fixtures.ts';

const today = new Date().toISOString().slice(0, 10);
const OURS = Object.values(STEP_IMAGES);
const examples = Object.fromEntries(BUILT_IN_TARGETS.flatMap((t) => t.questions.map((q) => [q.name, q.example])));
const everyTarget = renderRepo(
  answers({ target: BUILT_IN_TARGETS.map((t) => t.id).join(','), targetAnswers: examples }),
).files;
const eol = (text: string, now = new Date()) =>
  pipelineFindings({ file: 'bitbucket-pipelines.yml', text }, now).filter((f) => f.id === 'pipeline.image-eol');

test('every built-in target runs in one of the images defined in src/core/facts/images.ts', () => {
  for (const t of BUILT_IN_TARGETS)
    assert.ok(
      OURS.some((i) => i.name === t.step.image),
      `${t.id}: ${t.step.image} is not in STEP_IMAGES`,
    );
});

test('no generated image is past the day its support ends (move the image in src/core/facts/images.ts)', () => {
  const generated = [...everyTarget.get('bitbucket-pipelines.yml')!.matchAll(/^\s*image: (\S+)$/gm)].map((m) => m[1]!);
  assert.equal([...new Set(generated)].sort(), [...new Set(BUILT_IN_TARGETS.map((t) => t.step.image))].sort());
  for (const image of generated) {
    const ours = OURS.find((i) => i.name === image)!;
    assert.ok(ours.supportEnds > today, `${image}: support ended on ${ours.supportEnds}`);
    assert.not.match(image, /:latest$|^[^:]+$/, `${image} is pinned`);
  }
  assert.equal(eol(everyTarget.get('bitbucket-pipelines.yml')!), []);
});

test('the Node.js and Python images are taken at their release lines’ end of life', () => {
  assert.is(STEP_IMAGES.node.supportEnds, releaseLineOf(STEP_IMAGES.node.name)?.endOfLife);
  assert.is(STEP_IMAGES.python.supportEnds, releaseLineOf(STEP_IMAGES.python.name)?.endOfLife);
  assert.is(releaseLineOf(STEP_IMAGES.awsCli.name), undefined, 'the AWS CLI has no known line: its date is the pin’s');
});

test('release lines are recognised however the image is spelled, and floating tags are not judged', () => {
  const cases: Array<[string, string | undefined]> = [
    ['node:20', 'Node.js 20 2026-04-30'],
    ['node:18-alpine', 'Node.js 18 2025-04-30'],
    ['node:16.20.2-bullseye-slim', 'Node.js 16 2023-09-11'],
    ['docker.io/library/node:14', 'Node.js 14 2023-04-30'],
    ['public.ecr.aws/docker/library/node:hydrogen', 'Node.js 18 2025-04-30'],
    ['node:iron-slim', 'Node.js 20 2026-04-30'],
    ['node:0.12', 'Node.js 0.x 2016-12-31'],
    ['node:24@sha256:0000000000000000000000000000000000000000000000000000000000000000', 'Node.js 24 2028-04-30'],
    ['python:3.9-slim', 'Python 3.9 2025-10-31'],
    ['python:3.10.14-bookworm', 'Python 3.10 2026-10-31'],
    ['python:2.7', 'Python 2 2020-01-01'],
    ['library/python:3.13', 'Python 3.13 2029-10-31'],
    ['node', undefined],
    ['node:lts', undefined],
    ['node:latest', undefined],
    ['node:current-alpine', undefined],
    ['python:3', undefined],
    ['python:3-alpine', undefined],
    ['amazon/aws-cli:latest', undefined],
    ['amazon/aws-cli:2.36.7', undefined],
    ['ghcr.io/acme/node:18', undefined],
    ['mynode:18', undefined],
  ];
  for (const [image, expected] of cases) {
    const line = releaseLineOf(image);
    assert.is(line && `${line.name} ${line.endOfLife}`, expected, image);
  }
});

test('pipeline.image-eol: a warning on the line of each image past its end of life, from that day on', () => {
  const text = [
    'image: node:20',
    'definitions:',
    '  steps:',
    '    - step: &shared',
    '        name: Shared',
    '        image: {name: python:3.8, username: u, password: $P}',
    '        script: [make]',
    'pipelines:',
    '  default:',
    '    - step: *shared',
    '    - step:',
    '        <<: *shared',
    '        name: Shared again',
    '    - step:',
    '        image: node:lts',
    '        script: [npm test]',
  ].join('\n');
  const found = eol(text, new Date('2026-12-01T00:00:00Z'));
  assert.equal(
    found.map((f) => [f.id, f.severity, f.line]),
    [
      ['pipeline.image-eol', 'warning', 1],
      ['pipeline.image-eol', 'warning', 6],
    ],
    'the shared step is reported once, node:lts not at all',
  );
  assert.match(
    found[0]!.message,
    'the default image node:20 is Node.js 20, which reached its end of life on 2026-04-30',
  );
  assert.match(found[0]!.fix, STEP_IMAGES.node.name);
  assert.match(found[1]!.fix, STEP_IMAGES.python.name);
  assert.equal(
    eol(text, new Date('2026-04-29T12:00:00Z')).map((f) => f.line),
    [6],
    'node:20 is still supported the day before',
  );
  assert.equal(
    eol(text, new Date('2026-04-30T00:00:00Z')).map((f) => f.line),
    [1, 6],
  );
  assert.equal(eol('pipelines: [unclosed'), [], 'a file that does not parse is left to pipeline.schema');
});

test('the generated README names each image, the targets using it, its support and where newer ones are', () => {
  const readme = everyTarget.get('README.md')!;
  const section = /## Step images\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
  for (const image of OURS) {
    const row = section.split('\n').find((l) => l.startsWith(`| \`${image.name}\` |`));
    assert.ok(row, `${image.name} has a row:\n${section}`);
    assert.ok(row!.includes(image.support) && row!.includes(image.releases), row);
    for (const t of BUILT_IN_TARGETS.filter((x) => x.step.image === image.name))
      assert.ok(row!.includes(`\`${t.id}\``), row);
  }
  assert.match(section, 'pipeline.image-eol');
});

test.run();
