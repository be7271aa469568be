/** What the CLI knows about its terminal: whether to draw bars and colours (NO_COLOR is respected). */

export function isInteractive(stream: NodeJS.WritableStream & { isTTY?: boolean }): boolean {
  return stream.isTTY === true && process.env.CI === undefined && process.env.TERM !== 'dumb';
}

function colourEnabled(stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return isInteractive(stream);
}

const paint = (code: string) => (text: string) => (colourEnabled() ? `\u001b[${code}m${text}\u001b[0m` : text);

export const style = {
  error: paint('1;31'),
  warning: paint('33'),
  bold: paint('1'),
  dim: paint('2'),
  ok: paint('32'),
};
