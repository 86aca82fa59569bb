// An example as read, before labels become indices: the label string as the file spells it and where it was.
export interface RawExample {
  text: string;
  /** undefined for unlabeled data */
  label?: string;
  file: string;
  /** 1-based line for line-oriented files; absent when the file is the example (folder layouts) */
  line?: number;
}

export function sourceOf(r: RawExample): string {
  return r.line != null ? `${r.file}:${r.line}` : r.file;
}
