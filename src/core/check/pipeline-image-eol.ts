/**
 * `pipeline.image-eol`: the file's default image or a step's image belongs to a release line past its end
 * of life on the day of the check (`node:20`, `python:3.9`). Unpinned tags (`latest`, `node:lts`) say no
 * version, so nothing is known of them and they are left alone.
 */
import { isMap, isScalar, type Node } from 'yaml';
import { releaseLineOf, SUCCESSOR } from '../images.js';
import { inLineOrder, reporter, unique } from './report.js';
import { pipelineStructure } from './pipeline-structure.js';
import type { Finding, SourceFile } from './types.js';
import { parseYamlSource, type Entry, type YamlSource } from './yaml-source.js';

/** `image: name` or `image: {name: …}`. */
function imageName(src: YamlSource, entry: Entry): string | undefined {
  const node = src.deref(entry.value);
  const name = isMap(node) ? src.deref(src.get(node, 'name')?.value ?? null) : node;
  return isScalar(name) && typeof name.value === 'string' ? name.value : undefined;
}

export function imageEolFindings(file: SourceFile, now: Date): Finding[] {
  const src = parseYamlSource(file.text);
  const root = src.errors.length ? undefined : src.map(src.doc.contents as Node | null);
  // a file that does not parse is pipeline.schema's to report
  if (!root) return [];
  const today = now.toISOString().slice(0, 10);
  const report = reporter(file.file);
  const images = [
    { entry: src.get(root, 'image'), what: 'the default image' },
    ...pipelineStructure(src, root, false).steps.map((s) => ({ entry: src.get(s.map, 'image'), what: 'the step image' })),
  ];
  const findings = images.flatMap(({ entry, what }) => {
    const image = entry && imageName(src, entry);
    const line = image === undefined ? undefined : releaseLineOf(image);
    if (!line || line.endOfLife > today) return [];
    const next = SUCCESSOR[line.family];
    return [
      report(
        'pipeline.image-eol',
        'warning',
        entry!.line,
        `${what} ${image} is ${line.name}, which reached its end of life on ${line.endOfLife}: it gets no more security fixes`,
        `Move to a maintained release, e.g. ${next.name} (${next.support}), and run the pipeline once to see that the step still works.`,
      ),
    ];
  });
  return inLineOrder(unique(findings));
}
