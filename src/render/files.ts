/**
 * Rendering: one Handlebars template per generated file, filled from the template context with the
 * serialising helpers. Pure: the compiled templates come in through `template`.
 */
import { createHash } from 'node:crypto';
import { recordedAnswers, type ManifestRecord, type RepoModel } from '../core/repo/index.js';
import {
  CLOUDFORMATION_FILE,
  MANIFEST_FILE,
  TEMPLATE_BUCKET_PLACEHOLDER,
  tooLargeInline,
} from '../core/facts/index.js';
import type { RenderedFile } from '../core/util/index.js';
import { UsageError } from '../errors.js';
import { overCloudFormationLimits } from './cloudformation.js';
import { templateContext, type TemplateContext } from './view.js';

export type { RenderedFile };

/** One file to render: its template and the data it is rendered with (plop's `add` action has this shape). */
export interface FileJob {
  path: string;
  template: string;
  data: TemplateContext;
}

/** A compiled template: Handlebars with our helpers (compiled from source, or precompiled at build time). */
export type Template<Context = TemplateContext> = (context: Context) => string;

/** The compiled templates of one folder of templates/, by path; each caller knows its template's context. */
export type TemplateLookup = <Context = TemplateContext>(name: string) => Template<Context>;

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Every file of the repository: the jobs (for plop) and their rendered contents. The manifest comes
 * last, since it records the hashes of the others.
 */
export function renderRepository(
  model: RepoModel,
  version: string,
  template: TemplateLookup,
  galleryDir?: string,
): { jobs: FileJob[]; files: RenderedFile[] } {
  const context = templateContext(model, version);
  // the README's deploy command depends on the stack's size: rendered first, measured as the AWS CLI does
  const stackFile = model.files.find((f) => f.path === CLOUDFORMATION_FILE);
  if (stackFile && context.repo.cloudformation) {
    const tooLarge = tooLargeInline(template(stackFile.template)(context));
    if (tooLarge !== undefined) context.repo.templateBucket = { tooLarge, placeholder: TEMPLATE_BUCKET_PLACEHOLDER };
  }
  const jobs: FileJob[] = model.files.map((f) => ({
    path: f.path,
    template: f.template,
    data: f.role ? { ...context, role: context.repo.roles.find((r) => r.key === f.role) ?? null } : context,
  }));
  const files: RenderedFile[] = [];
  for (const job of jobs) {
    if (job.path === MANIFEST_FILE) {
      const manifest: ManifestRecord = {
        tool: 'pipelines-oidc',
        version,
        answers: recordedAnswers(model.answers),
        ...(galleryDir === undefined ? {} : { gallery: galleryDir }),
        ...(model.existingRepository ? { existingRepository: true as const } : {}),
        files: Object.fromEntries(files.map((f) => [f.path, sha256(f.content)])),
      };
      job.data = { ...context, repo: { ...context.repo, manifest } };
    }
    files.push({ path: job.path, content: template(job.template)(job.data) });
  }
  const stack = files.find((f) => f.path === CLOUDFORMATION_FILE);
  const over =
    stack && context.repo.cloudformation ? overCloudFormationLimits(context.repo.cloudformation, stack.content) : [];
  if (over.length)
    throw new UsageError(
      `--iac ${model.answers.iac}: the CloudFormation template would have ${over.join(' and ')}; use --iac terraform, or fewer environments or targets`,
    );
  return { jobs, files };
}
