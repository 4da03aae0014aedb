/**
 * Stand-ins, first on the step's PATH, for the commands that would reach the outside world. Each records
 * what it was asked (in $REHEARSAL_RECORD) and makes the AWS calls the real tool makes, with the step's
 * credentials: `docker push` the ECR layer and image calls, npm/pip/twine the registry calls with the
 * CodeArtifact token. Everything else they are asked passes to the real command, or is only recorded.
 */

import { shQuote } from '../../core/util/index.js';

const record = 'printf \'%s\\n\' "$(basename "$0") $*" >> "$REHEARSAL_RECORD"';

/** Finds the real command after this folder on PATH. */
const passThrough = (name: string) =>
  `real="$(PATH="\${PATH#"$REHEARSAL_SHIMS":}" command -v ${name})" || { echo "${name}: not installed" >&2; exit 127; }\nexec "$real" "$@"`;

const recordOnly = `#!/bin/bash\n${record}\n`;

const docker = `#!/bin/bash
${record}
case "$1" in
  login)
    password="$(cat)"
    [ -n "$password" ] || { echo "docker login: no password on stdin" >&2; exit 1; } ;;
  push)
    image="$2"; rest="\${image#*/}"; repository="\${rest%:*}"; tag="\${rest##*:}"
    # a build in a fresh docker service is not reproducible (timestamps): each push is a new digest
    digest="sha256:$(printf '%s %s %s' "$image" "$(date +%s%N)" "$RANDOM$RANDOM" | sha256sum | cut -d' ' -f1)"
    # the registry calls docker push makes, as the ECR API operations IAM authorizes them as
    aws ecr batch-check-layer-availability --repository-name "$repository" --layer-digests "$digest" > /dev/null || exit 1
    upload="$(aws ecr initiate-layer-upload --repository-name "$repository" --query uploadId --output text)" || exit 1
    aws ecr upload-layer-part --repository-name "$repository" --upload-id "$upload" --part-first-byte 0 --part-last-byte 0 --layer-part-blob fileb:///dev/null > /dev/null || exit 1
    aws ecr complete-layer-upload --repository-name "$repository" --upload-id "$upload" --layer-digests "$digest" > /dev/null || exit 1
    aws ecr batch-get-image --repository-name "$repository" --image-ids imageTag="$tag" > /dev/null || exit 1
    manifest='{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":0,"digest":"'"$digest"'"},"layers":[]}'
    # the same manifest again succeeds with docker; another one under an immutable tag is refused, which the
    # emulator answers as ImageAlreadyExistsException naming the digest the tag holds
    if ! out="$(aws ecr put-image --repository-name "$repository" --image-tag "$tag" --image-manifest "$manifest" 2>&1)"; then
      case "$out" in
        *ImageAlreadyExistsException*"'$digest'"*) ;;
        *ImageAlreadyExistsException*) echo "tag invalid: The image tag '$tag' already exists in the '$repository' repository and cannot be overwritten because the repository is immutable. (ImageTagAlreadyExistsException)" >&2; exit 1 ;;
        *) echo "$out" >&2; exit 1 ;;
      esac
    fi ;;
esac
`;

/** npm keeps its settings in ~/.npmrc; the shim keeps the registry and token the same way. */
const npm = `#!/bin/bash
${record}
rc="$HOME/.npmrc"
case "$1" in
  --version) echo 10.9.0 ;;
  config)
    [ "$2" = set ] && printf '%s=%s\\n' "$3" "$4" >> "$rc" ;;
  ci|install|publish)
    if [ "$1" = ci ] && [ ! -f package-lock.json ] && [ ! -f npm-shrinkwrap.json ]; then
      echo "npm error code EUSAGE" >&2
      echo "npm error The \\\`npm ci\\\` command can only install with an existing package-lock.json or npm-shrinkwrap.json with lockfileVersion >= 1." >&2
      exit 1
    fi
    registry="$(sed -n 's/^\\(@[^:]*:\\)\\{0,1\\}registry=//p' "$rc" | tail -n 1)"
    [ -n "$registry" ] || { echo "npm $1: no registry configured" >&2; exit 1; }
    token="$(sed -n 's/^.*:_authToken=//p' "$rc" | tail -n 1)"
    name="$(node -p 'require("./package.json").name')"
    if [ "$1" = publish ]; then
      version="$(node -p 'require("./package.json").version')"
      body="$(node -p 'const p = require("./package.json"); JSON.stringify({ name: p.name, versions: { [p.version]: p } })')"
      status="$(curl -sS -X PUT -H "Authorization: Bearer $token" -H 'content-type: application/json' --data "$body" -o "$HOME/.npm-publish-answer" -w '%{http_code}' "$registry$(node -p 'encodeURIComponent(require("./package.json").name).replace("%40","@")')")"
      [ "$status" = 200 ] || { echo "npm error code E$status"; echo "npm error $status - PUT $registry - $(cat "$HOME/.npm-publish-answer")"; } >&2
      [ "$status" = 200 ] || exit 1
      echo "+ $name@$version"
    else
      curl -fsS -H "Authorization: Bearer $token" "$registry$name" -o /dev/null || { echo "npm $1: the registry refused" >&2; exit 1; }
    fi ;;
esac
`;

/** pip writes its settings as INI in ~/.config/pip/pip.conf (the AWS CLI may run the real pip for `login`). */
const pip = `#!/bin/bash
${record}
conf="$HOME/.config/pip/pip.conf"
case "$1" in
  config)
    mkdir -p "$(dirname "$conf")"; [ "$2" = set ] && printf '[global]\\n%s = %s\\n' "\${3#global.}" "$4" >> "$conf" ;;
  install)
    index="$(sed -n 's/^index-url *= *//p' "$conf" 2>/dev/null | tail -n 1)"
    [ -n "$index" ] || { echo "pip install: no index configured" >&2; exit 1; }
    curl -fsS "$index" -o /dev/null || { echo "pip install: the index refused" >&2; exit 1; } ;;
esac
`;

/** `aws codeartifact login --tool twine` writes ~/.pypirc with `key: value`, or `key = value` when it updates one. */
const twine = `#!/bin/bash
${record}
if [ "$1" = upload ]; then
  url="$(sed -n 's/^repository *[:=] *//p' "$HOME/.pypirc" | head -n 1)"
  password="$(sed -n 's/^password *[:=] *//p' "$HOME/.pypirc" | head -n 1)"
  [ -n "$url" ] || { echo "twine: no repository in ~/.pypirc" >&2; exit 1; }
  for file in dist/*; do
    # <name>-<version>.tar.gz or <name>-<version>-<tags>.whl, as python -m build names them
    base="$(basename "$file")"; name="\${base%%-[0-9]*}"; version="\${base#"$name"-}"; version="\${version%.tar.gz}"; version="\${version%%-*}"
    status="$(curl -sS -u "aws:$password" --data-urlencode "name=$name" --data-urlencode "version=$version" --data-urlencode "filename=$base" -o "$HOME/.twine-answer" -w '%{http_code}' "$url")"
    [ "$status" = 200 ] || { echo "ERROR    HTTPError: $status from $url: $(cat "$HOME/.twine-answer")" >&2; exit 1; }
  done
fi
`;

const buildMetadata = `
import configparser, os, re, sys, tomllib
project = tomllib.load(open("pyproject.toml", "rb")).get("project", {}) if os.path.exists("pyproject.toml") else {}
cfg = configparser.ConfigParser()
cfg.read("setup.cfg")
meta = cfg["metadata"] if cfg.has_section("metadata") else {}
name, version = project.get("name") or meta.get("name"), project.get("version") or meta.get("version")
if not name or not version:
    sys.exit("ERROR Backend subprocess exited: no project name and version in pyproject.toml or setup.cfg")
print(re.sub(r"[-_.]+", "-", name).lower(), version)
`;

const python = `#!/bin/bash
BUILD_METADATA=${shQuote(buildMetadata)}
if [ "$1 $2" = "-m build" ]; then
  ${record}
  # the name and version build reads: [project] of pyproject.toml, else [metadata] of setup.cfg
  meta="$(PATH="\${PATH#"$REHEARSAL_SHIMS":}" python3 -c "$BUILD_METADATA")" || exit 1
  name="\${meta% *}"; version="\${meta#* }"
  mkdir -p dist && : > "dist/\${name//-/_}-$version.tar.gz" && : > "dist/\${name//-/_}-$version-py3-none-any.whl"
  exit 0
fi
${passThrough('python3')}
`;

/** `git push` reaches no remote; the rehearsal's remote keeps the tags of earlier runs and refuses one again. */
const git = `#!/bin/bash
if [ "$1" = push ]; then
  ${record}
  shift
  for ref in "$@"; do
    case "$ref" in -*) continue ;; esac
    tag="\${ref#refs/tags/}"
    git rev-parse -q --verify "refs/tags/$tag" > /dev/null || continue
    if grep -qxF "$tag" "$REHEARSAL_REMOTE/tags" 2> /dev/null; then
      printf ' ! [rejected]        %s -> %s (already exists)\nerror: failed to push some refs\n' "$tag" "$tag" >&2
      exit 1
    fi
    printf '%s\n' "$tag" >> "$REHEARSAL_REMOTE/tags"
  done
  exit 0
fi
${passThrough('git')}
`;

export const SHIMS: Record<string, string> = {
  docker,
  npm,
  pip,
  twine,
  python,
  git,
  'apt-get': recordOnly,
  yum: recordOnly,
  sam: recordOnly,
};
