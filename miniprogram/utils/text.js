// @ts-check
/**
 * @typedef {{ kind: 'heading' | 'item' | 'paragraph', text: string }} Block
 */

/**
 * The documents' markdown (auth/consent.py: "## " headings, "- " items, paragraphs) as blocks to render.
 * @param {string} body
 * @returns {Block[]}
 */
function markdownBlocks(body) {
  return body
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      if (line.startsWith('#')) return { kind: 'heading', text: line.replace(/^#+\s*/, '') }
      if (line.startsWith('- ')) return { kind: 'item', text: line.slice(2) }
      return { kind: 'paragraph', text: line }
    })
}

module.exports = { markdownBlocks }
