/**
 * `doctor`'s Bitbucket checks: the repository, Pipelines, the variables and environments against what
 * the repository's trust policies and pipeline expect, and the issuer's discovery document. Pure.
 */
import { issuerUrl } from '../facts/index.js';
import type { DoctorCheck } from '../iam/index.js';
import type { DesiredBitbucket, ObservedBitbucket } from './types.js';

export interface BitbucketDoctorInput {
  desired: DesiredBitbucket;
  /** The UUIDs the repository's trust policies name (its answers): '' when not set. */
  repoUuid: string;
  environmentUuids: Record<string, string>;
  observed: ObservedBitbucket;
  /** The issuer's `.well-known/openid-configuration`, or why it could not be read. */
  discovery: { issuer?: unknown } | { error: string };
  /** The command that makes the missing Bitbucket changes for this repository. */
  setupCommand: string;
}

export function bitbucketChecks(input: BitbucketDoctorInput): DoctorCheck[] {
  const { desired, observed, setupCommand } = input;
  const checks: DoctorCheck[] = [];
  const add = (id: string, ok: boolean, detail: string, fix: string) =>
    checks.push({ id, ok, detail, fix: ok ? null : fix });
  const full = `${desired.workspace}/${desired.slug}`;

  const iss = issuerUrl(desired.workspace);
  if ('error' in input.discovery)
    add(
      'bitbucket.issuer',
      false,
      `${iss}/.well-known/openid-configuration: ${input.discovery.error}`,
      `check the workspace slug ${desired.workspace} (Repository settings → Pipelines → OpenID Connect shows the issuer)`,
    );
  else {
    const same = input.discovery.issuer === iss;
    add(
      'bitbucket.issuer',
      same,
      same
        ? `${iss} publishes its OpenID configuration`
        : `the discovery document names issuer ${JSON.stringify(input.discovery.issuer)}, not ${iss}`,
      `use the issuer Bitbucket shows under Repository settings → Pipelines → OpenID Connect`,
    );
  }

  const repo = observed.repository;
  add(
    'bitbucket.repository',
    Boolean(repo),
    repo ? `${full} exists ({${repo.uuid}})` : `no repository ${full}`,
    setupCommand,
  );
  if (!repo) return checks;
  const uuidOk = repo.uuid === input.repoUuid;
  add(
    'bitbucket.repository-uuid',
    uuidOk,
    uuidOk
      ? `the trust policies name {${repo.uuid}}`
      : `the trust policies name ${input.repoUuid ? `{${input.repoUuid}}` : 'no repository'}, Bitbucket's is {${repo.uuid}}: no step of ${full} can assume the roles`,
    `pipelines-oidc update --repo-uuid {${repo.uuid}}, then pipelines-oidc apply`,
  );
  add(
    'bitbucket.pipelines',
    observed.pipelinesEnabled,
    observed.pipelinesEnabled ? 'Pipelines is enabled' : 'Pipelines is not enabled',
    setupCommand,
  );

  for (const v of desired.repositoryVariables) {
    const live = observed.repositoryVariables.find((l) => l.key === v.name);
    const ok = live !== undefined && !live.secured && live.value === v.value;
    add(
      `bitbucket.variable:${v.name}`,
      ok,
      !live
        ? `no repository variable ${v.name}`
        : live.secured
          ? `${v.name} is secured: its value cannot be compared (must be ${v.value})`
          : ok
            ? `${v.name} = ${v.value}`
            : `${v.name} = ${live.value}, expected ${v.value}`,
      live?.secured
        ? `make ${v.name} a plain variable with value ${v.value} (Repository settings → Repository variables)`
        : setupCommand,
    );
  }
  for (const env of desired.environments) {
    const live = observed.environments.find((e) => e.name.toLowerCase() === env.name.toLowerCase());
    const trusted = input.environmentUuids[env.name] ?? '';
    add(
      `bitbucket.environment:${env.name}`,
      Boolean(live),
      live ? `deployment environment ${env.name} exists ({${live.uuid}})` : `no deployment environment ${env.name}`,
      setupCommand,
    );
    if (!live) continue;
    const same = live.uuid === trusted;
    add(
      `bitbucket.environment-uuid:${env.name}`,
      same,
      same
        ? `the trust policy of ${env.name} names {${live.uuid}}`
        : `the trust policy of ${env.name} names ${trusted ? `{${trusted}}` : 'no environment UUID'}, Bitbucket's is {${live.uuid}}`,
      `pipelines-oidc update --environment ${env.name}=${live.uuid}, then pipelines-oidc apply`,
    );
    for (const v of desired.deploymentVariables.filter((d) => d.environment === env.name)) {
      const lv = (observed.deploymentVariables[env.name] ?? []).find((l) => l.key === v.name);
      const ok = lv !== undefined && !lv.secured && lv.value === v.value;
      add(
        `bitbucket.deployment-variable:${env.name}:${v.name}`,
        ok,
        !lv
          ? `no deployment variable ${v.name} in ${env.name}`
          : ok
            ? `${v.name} = ${v.value} in ${env.name}`
            : `${v.name} in ${env.name} = ${lv.secured ? '(secured)' : lv.value}, expected ${v.value}`,
        setupCommand,
      );
    }
  }
  return checks;
}
