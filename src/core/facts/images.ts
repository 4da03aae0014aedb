/**
 * Container images of pipeline steps: the ones generated steps run in, each defined once with the day
 * its support ends, and the release lines whose end of life is known, so that `check` recognises an
 * image past it (`pipeline.image-eol`) by the same dates.
 */

/** Node.js majors and the day each reached or reaches its end of life (nodejs.org, previous releases). */
const NODE_END_OF_LIFE: Record<string, string> = {
  '0': '2016-12-31',
  '4': '2018-04-30',
  '5': '2016-06-30',
  '6': '2019-04-30',
  '7': '2017-06-30',
  '8': '2019-12-31',
  '9': '2018-06-30',
  '10': '2021-04-30',
  '11': '2019-06-01',
  '12': '2022-04-30',
  '13': '2020-06-01',
  '14': '2023-04-30',
  '15': '2021-06-01',
  '16': '2023-09-11',
  '17': '2022-06-01',
  '18': '2025-04-30',
  '19': '2023-06-01',
  '20': '2026-04-30',
  '21': '2024-06-01',
  '22': '2027-04-30',
  '23': '2025-06-01',
  '24': '2028-04-30',
  '25': '2026-06-01',
  '26': '2029-04-30',
};

/** The official node image also tags LTS lines by codename (`node:hydrogen-alpine`). */
const NODE_CODENAMES: Record<string, string> = {
  argon: '4',
  boron: '6',
  carbon: '8',
  dubnium: '10',
  erbium: '12',
  fermium: '14',
  gallium: '16',
  hydrogen: '18',
  iron: '20',
  jod: '22',
  krypton: '24',
};

/**
 * Python 2 and each Python 3 minor (devguide.python.org, versions). Where only the month is planned,
 * the line is taken to end with that month.
 */
const PYTHON_END_OF_LIFE: Record<string, string> = {
  '2': '2020-01-01',
  '3.0': '2009-06-27',
  '3.1': '2012-04-09',
  '3.2': '2016-02-20',
  '3.3': '2017-09-29',
  '3.4': '2019-03-18',
  '3.5': '2020-09-30',
  '3.6': '2021-12-23',
  '3.7': '2023-06-27',
  '3.8': '2024-10-07',
  '3.9': '2025-10-31',
  '3.10': '2026-10-31',
  '3.11': '2027-10-31',
  '3.12': '2028-10-31',
  '3.13': '2029-10-31',
  '3.14': '2030-10-31',
};

const RELEASES = {
  node: 'https://nodejs.org/en/about/previous-releases',
  python: 'https://devguide.python.org/versions/',
  awsCli: 'https://hub.docker.com/r/amazon/aws-cli/tags',
} as const;

/** A release line an image belongs to, and the day its support ends (`YYYY-MM-DD`). */
export interface ReleaseLine {
  family: 'node' | 'python';
  name: string;
  endOfLife: string;
}

/** Docker Hub's official images, however the name is spelled: `node`, `library/node`, `docker.io/library/node`, ECR Public's mirror. */
const OFFICIAL_IMAGE =
  /^(?:(?:docker\.io|index\.docker\.io|registry-1\.docker\.io|public\.ecr\.aws\/docker|mirror\.gcr\.io)\/)?(?:library\/)?(node|python):([^@\s]+)/;

/**
 * The release line of a pinned node or python image (`node:18-alpine` → Node.js 18), or undefined when
 * the tag floats (`node:lts`, `python:3`, `latest`) or the image is another one: then nothing is known.
 */
export function releaseLineOf(image: string): ReleaseLine | undefined {
  const [, repository, tag = ''] = OFFICIAL_IMAGE.exec(image.trim()) ?? [];
  if (repository === 'node') {
    const major = /^\d+/.exec(tag)?.[0] ?? NODE_CODENAMES[/^[a-z]+/.exec(tag)?.[0] ?? ''];
    const endOfLife = major === undefined ? undefined : NODE_END_OF_LIFE[major];
    return endOfLife
      ? { family: 'node', name: major === '0' ? 'Node.js 0.x' : `Node.js ${major}`, endOfLife }
      : undefined;
  }
  if (repository === 'python') {
    const [, major, minor] = /^(\d+)(?:\.(\d+))?/.exec(tag) ?? [];
    // python:3 follows the newest 3.x; python:2 (and any 2.x) is Python 2 as a whole
    const line = major === '2' ? '2' : minor === undefined ? undefined : `${major}.${minor}`;
    const endOfLife = line === undefined ? undefined : PYTHON_END_OF_LIFE[line];
    return endOfLife ? { family: 'python', name: `Python ${line}`, endOfLife } : undefined;
  }
  return undefined;
}

/** A step image the generator writes. */
export interface StepImage {
  /** As the step's `image:` says. */
  name: string;
  /**
   * The day it stops being acceptable (`YYYY-MM-DD`): the end of life of its release line, or, for a
   * pinned release of a line with no announced end, the day the pin is due to move.
   */
  supportEnds: string;
  /** For the generated README: what it is and why it is supported until then. */
  support: string;
  /** Where newer versions are listed. */
  releases: string;
}

const lineSupport = (line: ReleaseLine) => `${line.name}, support ends ${line.endOfLife}`;

function maintainedLine(name: string, releases: string): StepImage {
  const line = releaseLineOf(name)!;
  return { name, supportEnds: line.endOfLife, support: lineSupport(line), releases };
}

const AWS_CLI_PIN_MOVES = '2027-12-01';

/** The images of the built-in targets' steps. */
export const STEP_IMAGES = {
  /** Node.js 24 LTS for npm. */
  node: maintainedLine('node:24', RELEASES.node),
  /** A supported Python for PyPI. */
  python: maintainedLine('python:3.13', RELEASES.python),
  /**
   * The AWS CLI v2. Docker Hub tags each release (2.x.y) and no minor, so the pin is a release; v2 has no
   * announced end, but a pinned release gets no fixes, so it is due to move a year after it was pinned.
   */
  awsCli: {
    name: 'amazon/aws-cli:2.36.7',
    supportEnds: AWS_CLI_PIN_MOVES,
    support: `AWS CLI v2, no end of support announced; this pinned release is to move to a newer 2.x release by ${AWS_CLI_PIN_MOVES}`,
    releases: RELEASES.awsCli,
  },
} as const satisfies Record<string, StepImage>;

/** What is known of any step image's support, for the README; undefined for an image we know nothing of. */
export function imageSupport(image: string): Omit<StepImage, 'supportEnds'> | undefined {
  const ours = Object.values(STEP_IMAGES).find((i) => i.name === image);
  if (ours) return { name: ours.name, support: ours.support, releases: ours.releases };
  const line = releaseLineOf(image);
  return line ? { name: image, support: lineSupport(line), releases: RELEASES[line.family] } : undefined;
}

/** The maintained image to move to from an image of a line past its end of life. */
export const SUCCESSOR: Record<ReleaseLine['family'], StepImage> = {
  node: STEP_IMAGES.node,
  python: STEP_IMAGES.python,
};
