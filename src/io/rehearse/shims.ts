/**
 * Stand-ins, first on the step's PATH, for the commands that would reach the outside world. Each records
 * what it was asked (in $REHEARSAL_RECORD) and makes the AWS calls the real tool makes, with the step's
 * credentials: `docker push` the ECR layer and image calls, npm/pip/twine the registry calls with the
 * CodeArtifact token. Everything else they are asked passes to the real command, or is only recorded.
 */

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
    digest="sha256:$(printf '%s' "$image" | sha256sum | cut -d' ' -f1)"
    # the registry calls docker push makes, as the ECR API operations IAM authorizes them as
    aws ecr batch-check-layer-availability --repository-name "$repository" --layer-digests "$digest" > /dev/null || exit 1
    upload="$(aws ecr initiate-layer-upload --repository-name "$repository" --query uploadId --output text)" || exit 1
    aws ecr upload-layer-part --repository-name "$repository" --upload-id "$upload" --part-first-byte 0 --part-last-byte 0 --layer-part-blob fileb:///dev/null > /dev/null || exit 1
    aws ecr complete-layer-upload --repository-name "$repository" --upload-id "$upload" --layer-digests "$digest" > /dev/null || exit 1
    aws ecr batch-get-image --repository-name "$repository" --image-ids imageTag="$tag" > /dev/null || exit 1
    manifest='{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":0,"digest":"'"$digest"'"},"layers":[]}'
    # pushing the same image again succeeds with docker: the registry keeps the manifest it has
    if ! out="$(aws ecr put-image --repository-name "$repository" --image-tag "$tag" --image-manifest "$manifest" 2>&1)"; then
      case "$out" in *ImageAlreadyExistsException*) ;; *) echo "$out" >&2; exit 1 ;; esac
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
    registry="$(sed -n 's/^\\(@[^:]*:\\)\\{0,1\\}registry=//p' "$rc" | tail -n 1)"
    [ -n "$registry" ] || { echo "npm $1: no registry configured" >&2; exit 1; }
    token="$(sed -n 's/^.*:_authToken=//p' "$rc" | tail -n 1)"
    name="$(node -p 'require("./package.json").name')"
    if [ "$1" = publish ]; then
      curl -fsS -X PUT -H "Authorization: Bearer $token" "$registry$(node -p 'encodeURIComponent(require("./package.json").name).replace("%40","@")')" -o /dev/null || { echo "npm publish: the registry refused $name" >&2; exit 1; }
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
    name="$(basename "$file")"; name="\${name%%-[0-9]*}"
    curl -fsS -u "aws:$password" --data-urlencode "name=$name" "$url" -o /dev/null || { echo "twine upload: the repository refused $file" >&2; exit 1; }
  done
fi
`;

const python = `#!/bin/bash
if [ "$1 $2" = "-m build" ]; then
  ${record}
  name="$(sed -n 's/^name = "\\(.*\\)"$/\\1/p' pyproject.toml)"; version="$(sed -n 's/^version = "\\(.*\\)"$/\\1/p' pyproject.toml)"
  mkdir -p dist && : > "dist/\${name//-/_}-$version.tar.gz" && : > "dist/\${name//-/_}-$version-py3-none-any.whl"
  exit 0
fi
${passThrough('python3')}
`;

const git = `#!/bin/bash
if [ "$1" = push ]; then ${record}; exit 0; fi
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
