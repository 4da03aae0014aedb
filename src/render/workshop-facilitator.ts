/** Every file of the facilitator's folder: Terraform, CloudFormation, SUMMARY.md and workshop.json. */
import type { RenderedFile } from '../core/util/index.js';
import { SUMMARY_FILE, WORKSHOP_STATE_FILE } from '../core/facts/index.js';
import { workshopState, workshopView, type WorkshopEntry } from '../core/workshop/index.js';
import type { TemplateLookup } from './files.js';
import { workshopCloudFormation } from './workshop-cloudformation.js';
import { workshopSummary } from './workshop-summary.js';
import { workshopTerraform } from './workshop-terraform.js';

/** `template`: the workshop's templates. workshop.json comes last (a complete run is one that wrote it). */
export function facilitatorFiles(entries: WorkshopEntry[], version: string, template: TemplateLookup): RenderedFile[] {
  const view = workshopView(entries, version);
  const cloudformation = workshopCloudFormation(view);
  return [
    ...workshopTerraform(view, template),
    ...cloudformation.map((s) => ({ path: s.path, content: s.content })),
    { path: SUMMARY_FILE, content: workshopSummary(view, cloudformation, template) },
    { path: WORKSHOP_STATE_FILE, content: `${JSON.stringify(workshopState(view), null, 2)}\n` },
  ];
}
