/**
 * XML as data: an element is a name, attributes and children (elements or text), and only `xml()` turns it
 * into text. Every name is fixed by us; every value and text is escaped here, so no finding's text can open
 * a tag, end a CDATA section or break an attribute.
 */
export interface XmlElement {
  name: string;
  attributes?: Readonly<Record<string, string | number>>;
  children?: ReadonlyArray<XmlElement | string>;
}

/**
 * What XML 1.0 cannot hold at all (C0 controls but tab and line breaks, lone surrogates, U+FFFE, U+FFFF):
 * even as a character reference. Each is shown as its `\u{…}` escape, as the terminal output shows it.
 */
const NOT_XML =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const shown = (c: string) => `\\u{${c.codePointAt(0)!.toString(16)}}`;

const ENTITY: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // an attribute value's tab and line breaks would be read back as spaces
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/** Text as element content: `>` is escaped too, so `]]>` never appears. Line breaks stay; a CR is kept as a reference. */
export const xmlText = (text: string): string => text.replace(NOT_XML, shown).replace(/[&<>"'\r]/g, (c) => ENTITY[c]!);

/** Text as an attribute value (always written in double quotes). */
export const xmlAttribute = (text: string): string =>
  text.replace(NOT_XML, shown).replace(/[&<>"'\t\n\r]/g, (c) => ENTITY[c]!);

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function element(e: XmlElement, indent: string): string {
  if (!NAME.test(e.name)) throw new Error(`not an XML name: ${e.name}`);
  const attributes = Object.entries(e.attributes ?? {})
    .map(([k, v]) => {
      if (!NAME.test(k)) throw new Error(`not an XML name: ${k}`);
      return ` ${k}="${xmlAttribute(String(v))}"`;
    })
    .join('');
  const children = e.children ?? [];
  if (!children.length) return `${indent}<${e.name}${attributes}/>`;
  // text content is written as is, without indentation, so what a reader gets back is exactly the text
  if (children.every((c) => typeof c === 'string'))
    return `${indent}<${e.name}${attributes}>${children.map(xmlText).join('')}</${e.name}>`;
  const inner = children.map((c) => (typeof c === 'string' ? xmlText(c) : element(c, `${indent}  `)));
  return `${indent}<${e.name}${attributes}>\n${inner.join('\n')}\n${indent}</${e.name}>`;
}

/** A document: the declaration, then the root element. */
export const xml = (root: XmlElement): string => `<?xml version="1.0" encoding="UTF-8"?>\n${element(root, '')}\n`;
