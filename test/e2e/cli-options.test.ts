/**
 * The typed options parseCommand derives from the command table: each flag by the camelCase of its
 * name, a switch a boolean, a value a string (there for sure only when required), the option given
 * alone, and the two-phase parse of the commands whose gallery's questions are flags too. The type
 * assertions and the `@ts-expect-error` lines are checked by `npm run typecheck`: a misspelt command
 * or flag does not compile.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  parseCommand,
  parseWithGallery,
  peekOptions,
  type CommandName,
  type OptionsOf,
  type ParsedCommand,
} from '../../src/commands/args.ts';
import { COMMAND_TABLE, optionKey } from '../../src/core/cli/command-table.ts';
import { BUILT_IN_TARGETS } from '../../src/core/targets/registry.ts';

/** True only when A and B are the same type (readonly and optional modifiers included). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <T extends true>(): T | undefined => undefined;

same<
  Equal<
    OptionsOf<'run'>,
    {
      readonly pipeline: string | undefined;
      readonly branch: string | undefined;
      readonly follow: boolean;
      readonly followTimeout: string | undefined;
      readonly bitbucketToken: string | undefined;
    }
  >
>();
// required: a string; repeatable: one string, the values joined
same<Equal<OptionsOf<'workshop'>['roster'], string>>();
same<Equal<OptionsOf<'workshop'>['environment'], string | undefined>>();
same<Equal<OptionsOf<'new'>['noGit'], boolean>>();
same<Equal<Extract<ParsedCommand<'workshop'>, { alone: unknown }>, { alone: 'listExercises' }>>();
same<Equal<ParsedCommand<'check'>, Extract<ParsedCommand<'check'>, { options: unknown }>>>();

/** Never called: what must not compile. */
function misspelt(argv: string[]): void {
  // @ts-expect-error a command the table does not have
  parseCommand('chek', argv);
  // @ts-expect-error `workshop grade` is two words of one command
  const grade: CommandName = 'workshop-grade';
  const check = parseCommand('check', argv).options;
  // @ts-expect-error a misspelt flag
  void check.tokn;
  // @ts-expect-error a flag by its dashed name
  void check['dry-run'];
  // @ts-expect-error a flag of another command
  void check.thumbprint;
  // @ts-expect-error an optional value may be missing
  const schema: string = check.schema;
  const workshop = parseCommand('workshop', argv);
  // @ts-expect-error `--list-exercises` alone gives no options
  void workshop.options;
  if (!('alone' in workshop)) {
    const roster: string = workshop.options.roster;
    // @ts-expect-error the option given alone is not among the options
    void workshop.options.listExercises;
    void roster;
  }
  // @ts-expect-error `gallery` takes no target answers, so it has no two-phase parse
  parseWithGallery('gallery', argv, () => ({ gallery: [] }));
  void grade;
  void schema;
}
void misspelt;

test('every option has a key of its own: the camelCase of its flag', () => {
  for (const spec of COMMAND_TABLE) {
    const keys = spec.options.map((o) => optionKey(o.flag));
    assert.equal(new Set(keys).size, keys.length, spec.name);
    for (const k of keys) assert.match(k, /^[a-z][a-zA-Z0-9]*$/, `${spec.name}: ${k}`);
  }
  assert.is(optionKey('allow-unknown-commands'), 'allowUnknownCommands');
});

test('parseCommand: every option typed, switches false when not given; values by flag as given', () => {
  const args = parseCommand('apply', ['repo', '--dry-run', '--profile', 'p']);
  assert.ok(!('alone' in args));
  assert.equal(args.options, {
    profile: 'p',
    region: undefined,
    timeout: undefined,
    thumbprint: undefined,
    dryRun: true,
    yes: false,
    gallery: undefined,
  });
  assert.equal(args.positionals, ['repo']);
  const workshop = parseCommand('workshop', [
    '--roster',
    'r.csv',
    '--out',
    'o',
    '--environment',
    'a',
    '--environment=b',
  ]);
  assert.ok(!('alone' in workshop));
  assert.is(workshop.options.environment, 'a,b');
  assert.is(workshop.options.roster, 'r.csv');
});

test('an option given alone: nothing else parsed, nothing else allowed', () => {
  assert.equal(parseCommand('workshop', ['--list-exercises']), { alone: 'listExercises' });
  assert.throws(
    () => parseCommand('workshop', ['--list-exercises', '--out', 'o']),
    /^--list-exercises takes no other arguments$/,
  );
});

test("peekOptions reads a command's own options leniently: unknown flags and values of the wrong kind left out", () => {
  assert.equal(peekOptions('new', ['x', '--site-bucket', 'b', '--gallery', 'g', '--json=yes', '--dir']), {
    gallery: 'g',
  });
  assert.equal(peekOptions('update', ['--gallery=a', '--gallery', 'b', '--environment', 'e', '--environment']), {
    gallery: 'b',
    environment: 'e',
  });
});

test('parseWithGallery: what the own options choose is loaded, then its target questions are flags', () => {
  const chosen: unknown[] = [];
  const args = parseWithGallery('update', ['--dir', 'repo', '--site-bucket', 'www.example.com'], (given) => {
    chosen.push(given);
    return { gallery: BUILT_IN_TARGETS, dir: given.dir };
  });
  assert.equal(chosen, [{ dir: 'repo' }]);
  assert.ok(!('alone' in args));
  assert.is(args.loaded.dir, 'repo');
  assert.equal(args.answers, { siteBucket: 'www.example.com' });
  assert.throws(
    () => parseWithGallery('update', ['--site-bucket', 'b'], () => ({ gallery: [] })),
    /unknown option --site-bucket/,
  );
  const alone = parseWithGallery('workshop', ['--list-exercises'], () => {
    throw new Error('loaded');
  });
  assert.equal(alone, { alone: 'listExercises' });
});

test.run();
