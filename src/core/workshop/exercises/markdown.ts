/** EXERCISE.md and the short README of an exercise repository; every value goes in through the Markdown helpers. */
import type { RepoModel } from '../../model.js';
import { markdownCode, markdownText } from '../../../render/helpers.js';

export const md = markdownText;
export const code = markdownCode;

/** A fenced code block whose fence is longer than any run of backticks inside. */
export function fenced(language: string, text: string): string {
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${text.trimEnd()}\n${fence}`;
}

/** What an exercise says, as Markdown (values already escaped by whoever wrote it). */
export interface ExerciseText {
  title: string;
  /** The symptom and the goal: never the diagnosis. */
  task: string;
  /** From vague to the fix itself; the last one says exactly what to change. */
  hints: string[];
}

/** Which file is which role's: the attendee's bearings, nothing about what is broken. */
function setup(model: RepoModel): string[] {
  return [
    `Repository ${code(`${model.answers.workspace}/${model.answers.name}`)}, in AWS account ${code(model.answers.account)}:`,
    '',
    ...model.roles.map((r) => `- role ${code(r.concreteArn)}${r.environment ? ` (deployment environment ${code(r.environment)})` : ''}: trust policy ${code(r.trustFile)}, permissions ${code(r.permissionsFile)}`),
    '- the pipeline: `bitbucket-pipelines.yml`',
  ];
}

export function exerciseMarkdown(model: RepoModel, text: ExerciseText): string {
  const hints = text.hints.flatMap((hint, i) => ['<details>', `<summary>Hint ${i + 1}</summary>`, '', hint, '', '</details>', '']);
  return [
    `# Exercise: ${text.title}`,
    '',
    text.task,
    '',
    '## Your setup',
    '',
    ...setup(model),
    '',
    '## Checkpoint',
    '',
    'In this folder, run:',
    '',
    fenced('sh', 'npx pipelines-oidc check'),
    '',
    'It reports an error now. You are done when it reports none (exit code 0); your facilitator sees the same result.',
    '',
    '## Hints',
    '',
    'Open them one at a time, only when you are stuck: each tells more than the one before.',
    '',
    ...hints,
  ].join('\n');
}

export function exerciseReadme(model: RepoModel): string {
  return [
    `# ${md(model.answers.name)}`,
    '',
    'A workshop exercise: something in this repository is broken on purpose. [EXERCISE.md](EXERCISE.md) has',
    'the task, hints, and the check that tells you when you are done.',
    '',
  ].join('\n');
}
