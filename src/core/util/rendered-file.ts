/** A generated file: its path relative to the folder it goes in, and its whole content. */
export interface RenderedFile {
  path: string;
  content: string;
}
