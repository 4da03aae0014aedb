/**
 * The IAM actions of the services the gallery and common Bitbucket pipelines deploy with, each listed by
 * its service's module in core/aws. Actions of other services are not checked.
 */
import { AWS_SERVICES } from '../aws/index.js';

export interface KnownAction {
  name: string;
  /** No resource-level permissions: `"Resource": "*"` is the only way to grant it. */
  resourceless: boolean;
}

const BY_SERVICE = new Map(
  AWS_SERVICES.map((service) => [
    service.name,
    new Map(
      service.actions.split(' ').map((raw): [string, KnownAction] => {
        const name = raw.replace(/^\*/, '');
        return [name.toLowerCase(), { name, resourceless: raw.startsWith('*') }];
      }),
    ),
  ]),
);

export const COVERED_SERVICES: readonly string[] = [...BY_SERVICE.keys()];

/** The actions of a covered service by lower-case name (IAM compares action names case-insensitively); undefined for others. */
export function actionsOf(service: string): ReadonlyMap<string, KnownAction> | undefined {
  return BY_SERVICE.get(service.toLowerCase());
}
