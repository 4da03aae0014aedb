/** Where the Bitbucket token may go: BITBUCKET_API_URL's rule, and which clone links a push may use. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UsageError } from '../../src/errors.ts';
import { apiBaseUrl, gitRemote } from '../../src/io/bitbucket/hosts.ts';

const refused = (url: string): string => {
  try {
    apiBaseUrl({ BITBUCKET_API_URL: url });
  } catch (e) {
    assert.instance(e, UsageError);
    return (e as UsageError).message;
  }
  throw new Error(`${url} was accepted`);
};

test('BITBUCKET_API_URL: HTTPS anywhere, plain HTTP only to this machine; never credentials, never echoed', () => {
  assert.is(apiBaseUrl({}), 'https://api.bitbucket.org/2.0');
  assert.is(
    apiBaseUrl({ BITBUCKET_API_URL: 'https://bitbucket.example.com/2.0/' }),
    'https://bitbucket.example.com/2.0',
  );
  for (const local of [
    'http://127.0.0.1:8080/2.0',
    'http://127.8.9.10/2.0',
    'http://[::1]:9/2.0',
    'http://localhost/2.0',
  ])
    assert.is(apiBaseUrl({ BITBUCKET_API_URL: local }), local);
  for (const clear of [
    'http://api.bitbucket.org/2.0',
    'http://10.0.0.5/2.0',
    'http://0.0.0.0/2.0',
    'http://127.0.0.1.evil.example/2.0',
  ])
    assert.match(refused(clear), /^BITBUCKET_API_URL: must be https:\/\/ .*in clear/);
  const withSecret = refused('https://me:s3cret-value@api.bitbucket.org/2.0');
  assert.match(withSecret, 'must not hold credentials');
  assert.not.match(withSecret, 's3cret-value');
  for (const bad of ['ftp://x/2.0', 'https://', 'not a url', 'https://[zz/2.0'])
    assert.match(refused(bad), 'BITBUCKET_API_URL: must be an https:// URL');
});

test('clone links: only the API host or its git host, over HTTPS (HTTP to this machine); the user in the link dropped', () => {
  const cloud = 'https://api.bitbucket.org/2.0';
  assert.is(gitRemote(cloud, 'https://jdoe@bitbucket.org/phub/x.git', 'phub/x'), 'https://bitbucket.org/phub/x.git');
  assert.is(gitRemote(cloud, 'https://api.bitbucket.org/phub/x.git', 'phub/x'), 'https://api.bitbucket.org/phub/x.git');
  const local = 'http://127.0.0.1:4000/2.0';
  assert.is(gitRemote(local, 'http://127.0.0.1:5000/phub/x.git', 'phub/x'), 'http://127.0.0.1:5000/phub/x.git');
  for (const [api, link] of [
    [cloud, 'http://bitbucket.org/phub/x.git'],
    [cloud, 'https://bitbucket.org.evil.example/phub/x.git'],
    [cloud, 'https://evil.example/phub/x.git'],
    [cloud, 'file:///tmp/x.git'],
    [cloud, 'ssh://git@bitbucket.org/phub/x.git'],
    [cloud, 'not a url'],
    [local, 'http://127.0.0.2:5000/phub/x.git'],
    [local, 'file:///tmp/x.git'],
  ] as const) {
    assert.throws(
      () => gitRemote(api, link, 'phub/x'),
      (e: Error) => e.message.includes('clone link') && e.message.includes('nothing is pushed'),
      link,
    );
  }
});

test.run();
