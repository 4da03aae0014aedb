/** Colour only for a terminal that wants it (NO_COLOR, FORCE_COLOR honoured). */
const enabled = (stream: NodeJS.WriteStream) =>
  !process.env['NO_COLOR'] && (process.env['FORCE_COLOR'] ? process.env['FORCE_COLOR'] !== '0' : Boolean(stream.isTTY));

const paint =
  (open: number, close: number) =>
  (text: string, stream: NodeJS.WriteStream = process.stdout) =>
    enabled(stream) ? `\u001b[${open}m${text}\u001b[${close}m` : text;

export const bold = paint(1, 22);
export const dim = paint(2, 22);
export const green = paint(32, 39);
export const yellow = paint(33, 39);
export const red = paint(31, 39);
