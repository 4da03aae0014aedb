/**
 * `pipeline.image-eol`: the file's default image or a step's image belongs to a release line past its end
 * of life on the day of the check (`node:20`, `python:3.9`). Unpinned tags (`latest`, `node:lts`) say no
 * version, so nothing is known of them and they are left alone.
 */
import { isMap, isScalar } from 'yaml';
import { releaseLineOf, SUCCESSOR } from '../facts/index.js';
import type { PipelineSource } from './pipeline-findings.js';
import { hit, type Hit } from '../iam-eval/index.js';
import type { Entry, YamlSource } from './yaml-source.js';

/** `image: name` or `image: {name: …}`. */
function imageName(src: YamlSource, entry: Entry): string | undefined {
  const node = src.deref(entry.value);
  const name = isMap(node) ? src.deref(src.get(node, 'name')?.value ?? null) : node;
  return isScalar(name) && typeof name.value === 'string' ? name.value : undefined;
}

export function imageEol({ src, root, steps, today }: PipelineSource): Hit[] {
  if (!root) return [];
  const images = [
    { entry: src.get(root, 'image'), what: 'the default image' },
    ...steps.map((s) => ({ entry: src.get(s.map, 'image'), what: 'the step image' })),
  ];
  return images.flatMap(({ entry, what }) => {
    const image = entry && imageName(src, entry);
    const line = image === undefined ? undefined : releaseLineOf(image);
    if (!entry || !line || line.endOfLife > today) return [];
    const next = SUCCESSOR[line.family];
    return [
      hit(
        entry.line,
        `${what} ${image} is ${line.name}, which reached its end of life on ${line.endOfLife}: it gets no more security fixes`,
        `Move to a maintained release, e.g. ${next.name} (${next.support}), and run the pipeline once to see that the step still works.`,
      ),
    ];
  });
}
