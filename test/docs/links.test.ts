// Issue 17 item 6: the links of README.md and docs/**/*.md resolve. A relative link must name a
// file of the repository and, with #anchor, a heading of it (GitHub's anchors); a link to outside
// the repository may only appear inside code.
import { strict as assert } from 'node:assert';
import path from 'node:path';
import { anchorsOf, brokenLinks, linksOf, markdownFiles, slugOf } from './markdown';

const ROOT = path.join(__dirname, '../..');

describe('Markdown links (README.md, docs/)', () => {
  describe('the checker', () => {
    it('makes the anchors GitHub makes', () => {
      assert.equal(slugOf('Why `node:crypto` instead of crypto-js'), 'why-nodecrypto-instead-of-crypto-js');
      assert.equal(slugOf('Postman / Apipost'), 'postman--apipost');
      assert.equal(slugOf('POST /api/chat/handleapply/:id'), 'post-apichathandleapplyid');
      assert.equal(slugOf('GET /api/chat/goodfriendlist/:page?limit='), 'get-apichatgoodfriendlistpagelimit');
      assert.equal(slugOf('Adding a domain: groups as the worked example'), 'adding-a-domain-groups-as-the-worked-example');
      assert.equal(slugOf('好友 申请（列表）'), '好友-申请列表');
      assert.equal(slugOf('Ünïcode **bold** [link](x.md) snake_case'), 'ünïcode-bold-link-snake_case');
    });

    it('numbers repeated headings -1, -2 and skips code', () => {
      const doc = '# A\n\n## Setup\n\n```\n# not a heading\n```\n\n## Setup\n\n### Setup\n\nSetup 1\n---\n\n## Setup 1\n';
      assert.deepEqual(anchorsOf(doc), [ 'a', 'setup', 'setup-1', 'setup-2', 'setup-1-1', 'setup-1-2' ]);
    });

    it('finds links in prose only', () => {
      const doc = 'a [x](b.md#c) and ![i](img.png)\n`[no](code.md)` <https://out.example>\n```\n[no](fenced.md) https://in.code\n```\nsee https://bare.example.\n[r]: ref.md\n';
      assert.deepEqual(linksOf(doc).map(l => l.target), [ 'b.md#c', 'img.png', 'https://out.example', 'https://bare.example.', 'ref.md' ]);
    });

    it('reports a missing file, a missing anchor and an outside link', () => {
      const problems = brokenLinks(ROOT, 'test/docs/fixtures/broken.md');
      assert.equal(problems.length, 4, problems.join('\n'));
      assert.match(problems[0], /no file docs\/missing\.md/);
      assert.match(problems[1], /no heading of README\.md has the anchor #no-such-section/);
      assert.match(problems[2], /no heading of test\/docs\/fixtures\/broken\.md has the anchor #nowhere/);
      assert.match(problems[3], /points outside the repository/);
    });
  });

  const files = markdownFiles(ROOT);

  it('reads README.md and the documents under docs/', () => {
    for (const doc of [ 'README.md', 'docs/api/README.md', 'docs/architecture.md', 'docs/operations.md', 'docs/performance.md' ]) {
      assert.ok(files.includes(doc), `${doc} is checked`);
    }
  });

  for (const file of files) {
    it(`${file}: every link resolves`, () => {
      const problems = brokenLinks(ROOT, file);
      assert.deepEqual(problems, [], problems.join('\n'));
    });
  }
});
