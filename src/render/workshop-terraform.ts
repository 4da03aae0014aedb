/**
 * The workshop's Terraform: one identity provider and every attendee's role with its inline policy, all
 * values concrete, rendered by the templates of templates/workshop/facilitator/terraform.
 */
import { MANAGED_TAGS_MAP as TAGS, FACILITATOR_DIR, TERRAFORM_FILE, templateOf } from '../core/facts/index.js';
import type { RenderedFile } from '../core/util/index.js';
import type { WorkshopView } from '../core/workshop/index.js';
import type { TemplateLookup } from './files.js';
import { hclString, TERRAFORM_REQUIREMENTS } from './hcl.js';

function terraformContext(view: WorkshopView) {
  const roleArns = view.roles.map((r) => ({
    key: r.environment ? `${r.entry.attendee.repo}/${r.environment}` : r.entry.attendee.repo,
    label: r.label,
  }));
  return {
    version: view.version,
    requirements: TERRAFORM_REQUIREMENTS,
    region: view.region,
    provider: view.provider,
    tags: TAGS,
    roles: view.roles.map((r) => ({
      label: r.label,
      name: r.name,
      description: r.description,
      policyName: r.policyName,
      trustPolicy: r.trustPolicy,
      permissions: r.permissions,
      tags: { ...TAGS, 'workshop-repository': r.entry.attendee.repo },
      // a role that would trust no pipeline is refused at plan, as a repository's own Terraform refuses it
      ...(r.trustsNoPipeline
        ? {
            refusal: `${r.trustsNoPipeline}: this role would trust no pipeline. Create the repositories, put their UUIDs in the roster (repo_uuid) and run pipelines-oidc workshop again, then apply`,
          }
        : {}),
    })),
    roleArns,
    /** The roles that trust no pipeline yet: each one's precondition names itself here, so plan refuses it. */
    rolesWithoutUuid: view.roles.filter((r) => r.trustsNoPipeline).map((r) => r.label),
    /** The map's `=` aligned as terraform fmt aligns them. */
    keyWidth: Math.max(...roleArns.map((a) => hclString(a.key).length)),
  };
}

export function workshopTerraform(view: WorkshopView, template: TemplateLookup): RenderedFile[] {
  const context = terraformContext(view);
  // the facilitator's templates mirror the folder they render
  const render = (path: string) => ({
    path,
    content: template<typeof context>(`${FACILITATOR_DIR}/${templateOf(path)}`)(context),
  });
  return [render(TERRAFORM_FILE.main), render(TERRAFORM_FILE.outputs)];
}
