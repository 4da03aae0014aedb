/**
 * SUMMARY.md of the facilitator's folder: how to create the IAM side, and per attendee the repository,
 * role, exercise and the exact variables to set; rendered by templates/workshop/facilitator/SUMMARY.md.hbs.
 */
import {
  FACILITATOR_DIR,
  needsTemplateBucket,
  SUMMARY_FILE,
  TEMPLATE_BUCKET_PLACEHOLDER,
  templateOf,
} from '../core/facts/index.js';
import type { WorkshopView } from '../core/workshop/index.js';
import type { TemplateLookup } from './files.js';
import type { WorkshopStack } from './workshop-cloudformation.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function summaryContext(view: WorkshopView, stacks: WorkshopStack[]) {
  const { entries, roles } = view;
  const exercises = [
    ...new Map(entries.flatMap((e) => (e.exercise ? [[e.exercise.id, e.exercise] as const] : []))).values(),
  ];
  const closed = entries.filter((e) => e.model.repoUuidMissing || e.model.environmentUuidsMissing.length);
  return {
    version: view.version,
    workspace: view.workspace,
    account: view.account,
    region: view.region,
    attendees: plural(entries.length, 'attendee'),
    roles: plural(roles.length, 'role'),
    oneStack: stacks.length === 1,
    stackCount: String(stacks.length),
    stacks: stacks.map((s) => ({
      stackName: s.stackName,
      path: s.path,
      big: needsTemplateBucket(s.content),
    })),
    templateBucket: TEMPLATE_BUCKET_PLACEHOLDER,
    entries: entries.map((e) => ({
      attendee: e.attendee.attendee,
      repo: e.attendee.repo,
      roleArns: e.model.roles.map((r) => r.concreteArn),
      exercise: e.exercise?.id ?? '',
      variables: [
        ...e.model.repositoryVariables.map((v) => ({ environment: '', name: v.name, value: v.value })),
        ...e.model.deploymentVariables,
      ],
    })),
    exercises: exercises.map((x) => ({ id: x.id, summary: x.summary })),
    closed: closed.map((e) => ({
      repo: e.attendee.repo,
      attendee: e.attendee.attendee,
      missing: [
        ...(e.model.repoUuidMissing ? ['repository UUID'] : []),
        ...e.model.environmentUuidsMissing.map((n) => `${n} environment UUID`),
      ].join(', '),
    })),
  };
}

export function workshopSummary(view: WorkshopView, stacks: WorkshopStack[], template: TemplateLookup): string {
  const context = summaryContext(view, stacks);
  return template<typeof context>(`${FACILITATOR_DIR}/${templateOf(SUMMARY_FILE)}`)(context);
}
