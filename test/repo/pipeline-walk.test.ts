/**
 * The one walk of bitbucket-pipelines.yml's steps (src/core/repo/pipeline-walk.ts): each form Bitbucket
 * accepts, read the same from a parsed value (run, rehearse) and from YAML nodes with lines (check).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { parseYamlSource, yamlDocument } from '../../src/core/check/yaml-source.ts';
import {
  fieldOf,
  plainDocument,
  walkPipelines,
  walkSteps,
  type DocumentAccess,
  type WalkedStep,
} from '../../src/core/repo/pipeline-walk.ts';

const FILE = `
definitions:
  steps:
    - step: &deploy
        name: Deploy
        deployment: staging
        script: [./deploy.sh]
pipelines:
  default:
    - step:
        name: Build
        script: [make]
  branches:
    main:
      - stage:
          name: Release
          deployment: production
          trigger: manual
          steps:
            - step:
                name: Plan
                script: [plan]
            - step:
                name: Apply
                deployment: production-eu
                trigger: automatic
                script: [apply]
  custom:
    lists:
      - parallel:
          - step:
              name: Left
              script: [l]
          - step:
              name: Right
              deployment: test
              script: [r]
    expanded:
      - parallel:
          fail-fast: true
          steps:
            - step:
                name: One
                deployment: test
                script: [one]
            - step: *deploy
      - step:
          <<: *deploy
          name: Deploy again
          trigger: manual
      - variables:
          - name: X
  pull-requests:
    '**':
      destinations:
        main:
          - step:
              name: Review
              script: [review]
  bookmarks:
    old:
      - step:
          name: Mercurial
          script: [hg]
`;

/** What a test compares: everything but the step's node. */
const shape = <N>(s: WalkedStep<N>, access: DocumentAccess<N>) => {
  const { step, ...rest } = s;
  return { name: access.text(fieldOf(access, step, 'name')), ...rest };
};

/** An expected step: automatic, not parallel and outside a stage and deployment unless `more` says otherwise. */
const expected = (name: string, pipeline: string, path: Array<string | number>, more: object = {}) => ({
  name,
  pipeline,
  parallel: false,
  trigger: 'automatic',
  ...more,
  path,
});
const RELEASE = { name: 'Release', deployment: 'production' };
const LISTS = ['pipelines', 'custom', 'lists', 0, 'parallel'];
const EXPANDED = ['pipelines', 'custom', 'expanded'];

const EXPECTED = [
  expected('Build', 'default', ['pipelines', 'default', 0, 'step']),
  expected('Plan', 'branches:main', ['pipelines', 'branches', 'main', 0, 'stage', 'steps', 0, 'step'], {
    stage: RELEASE,
    deployment: 'production',
    trigger: 'manual',
  }),
  expected('Apply', 'branches:main', ['pipelines', 'branches', 'main', 0, 'stage', 'steps', 1, 'step'], {
    stage: RELEASE,
    deployment: 'production-eu',
  }),
  expected('Left', 'custom:lists', [...LISTS, 0, 'step'], { parallel: true }),
  expected('Right', 'custom:lists', [...LISTS, 1, 'step'], { parallel: true, deployment: 'test' }),
  expected('One', 'custom:expanded', [...EXPANDED, 0, 'parallel', 'steps', 0, 'step'], {
    parallel: true,
    deployment: 'test',
  }),
  expected('Deploy', 'custom:expanded', [...EXPANDED, 0, 'parallel', 'steps', 1, 'step'], {
    parallel: true,
    deployment: 'staging',
  }),
  expected('Deploy again', 'custom:expanded', [...EXPANDED, 1, 'step'], { deployment: 'staging', trigger: 'manual' }),
  expected('Review', 'pull-requests:**', ['pipelines', 'pull-requests', '**', 'destinations', 'main', 0, 'step']),
];

test('a parsed document: plain steps, a stage and its deployment, both parallel forms, aliases and merge keys', () => {
  const walked = walkSteps(parse(FILE, { merge: true }), plainDocument).map((s) => shape(s, plainDocument));
  assert.equal(walked, EXPECTED);
});

test('YAML nodes: the same steps, and each path leads to the line of its step: key', () => {
  const src = parseYamlSource(FILE);
  const access = yamlDocument(src);
  const walked = walkSteps(src.doc.contents, access);
  assert.equal(
    walked.map((s) => shape(s, access)),
    EXPECTED,
  );
  const lines = FILE.split('\n');
  for (const s of walked) assert.match(lines[src.lineAt(s.path.map(String))! - 1]!, /^\s*- step:/);
});

test('every pipeline Bitbucket runs is listed, with no steps too; what it does not run is not', () => {
  const doc = parse(FILE, { merge: true });
  doc.pipelines.tags = { 'v*': [{ variables: [] }] };
  doc.pipelines.custom.imported = { import: 'other-repo:main:shared' };
  assert.equal(
    walkPipelines(doc, plainDocument).map((p) => [p.id, p.steps.length]),
    [
      ['default', 1],
      ['branches:main', 2],
      ['custom:lists', 2],
      ['custom:expanded', 3],
      ['custom:imported', 0],
      ['pull-requests:**', 1],
      ['tags:v*', 0],
    ],
  );
});

test('malformed items are passed over: a step that is not a mapping, a parallel group without steps, nesting Bitbucket refuses', () => {
  const doc = {
    pipelines: {
      default: [
        { step: 'not a mapping' },
        { parallel: { 'fail-fast': true } },
        { stage: { steps: [{ parallel: [{ step: { name: 'Nested' } }] }] } },
        'text',
        null,
        { step: { name: 'Kept' } },
      ],
      custom: 'not a mapping',
    },
  };
  assert.equal(
    walkSteps(doc, plainDocument).map((s) => s.path),
    [['pipelines', 'default', 5, 'step']],
  );
  assert.equal(walkSteps(null, plainDocument), []);
  assert.equal(walkSteps({ pipelines: [] }, plainDocument), []);
});

test.run();
