/** IAM policy documents as data: the trust policy of a pipeline role and the inline permissions policy. */
import { conditionKey, symbolic } from './bitbucket.js';
import type { Json } from '../util/index.js';

export interface Statement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Statement[];
}

/** Documents are plain JSON values: the renderers walk them generically. */
export const asJson = (doc: PolicyDocument | TrustPolicy): Json => doc as unknown as Json;

export interface TrustPolicy {
  Version: '2012-10-17';
  Statement: Array<{
    Sid: string;
    Effect: 'Allow';
    Principal: { Federated: string };
    Action: 'sts:AssumeRoleWithWebIdentity';
    Condition: Record<string, Record<string, string>>;
  }>;
}

/**
 * Who may assume the role: tokens from Bitbucket's issuer for this workspace (audience always checked)
 * whose `sub` matches the given pattern. There is deliberately no variant without a `sub` condition.
 */
export function trustPolicy(subPattern: string = symbolic.repositorySubPattern): TrustPolicy {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'BitbucketPipelinesOidc',
        Effect: 'Allow',
        Principal: { Federated: symbolic.providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { [conditionKey(symbolic.issuerHostPath, 'aud')]: symbolic.audience },
          StringLike: { [conditionKey(symbolic.issuerHostPath, 'sub')]: subPattern },
        },
      },
    ],
  };
}

/**
 * One permissions document from the statements of every target, Sids made unique. A statement two targets
 * share (the CodeArtifact login of npm and PyPI on one repository) is kept once: a copy would grant nothing more.
 */
export function permissionsPolicy(statements: Statement[]): PolicyDocument {
  const seen = new Map<string, number>();
  const kept = new Set<string>();
  const distinct = statements.filter((s) => {
    const key = JSON.stringify(s);
    return kept.has(key) ? false : (kept.add(key), true);
  });
  return {
    Version: '2012-10-17',
    Statement: distinct.map((s) => {
      const n = (seen.get(s.Sid) ?? 0) + 1;
      seen.set(s.Sid, n);
      return n === 1 ? s : { ...s, Sid: `${s.Sid}${n}` };
    }),
  };
}
