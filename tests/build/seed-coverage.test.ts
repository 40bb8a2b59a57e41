/**
 * Nothing of the seed runbook is dropped: every command line of the original
 * (tests/fixtures/orion-seed.txt, a copy of the MkDocs source it was converted from) stands in a
 * typed command block, with `<placeholders>` replaced by typed parameters.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { loadValidRunbooks } from '../../src/runbook/runbooks-fs.ts';
import { displayTemplate } from '../../src/runbook/template.ts';

const COMMAND =
	/^\s*(docker|sudo|curl|cd |dig|ssh|df|du |free|ps |git |sleep|bash|aws|ls |source|find|truncate|systemctl|psql|"SELECT|FROM|WHERE|ORDER|LIMIT|UNION|celery|--endpoint|--profile)/;
const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

/**
 * Seed lines that could never work, corrected in the runbooks: what stands in the block now, and
 * the page whose note quotes the original and says what changed.
 */
const CORRECTED = new Map([
	[
		`curl -s http://localhost:9090/api/v1/targets | python3 -m json.tool | grep -c '"health":"up"'`,
		{
			now: `curl -s http://localhost:9090/api/v1/targets | python3 -m json.tool | grep -c '"health": "up"'`,
			page: 'content/runbooks/restart.mdx',
			quoted: `\`'"health":"up"'\``,
		},
	],
]);

it('every command of the seed runbook is a typed block', async () => {
	const loaded = await loadValidRunbooks({ root: process.cwd() });
	const shown = squash(loaded.blocks.map((b) => displayTemplate(b.block).text).join('\n'));
	const seed = (await readFile('tests/fixtures/orion-seed.txt', 'utf8')).split('\n');
	const commands = seed.filter((line) => COMMAND.test(line));
	assert.ok(commands.length > 100, `the seed has over 100 command lines (${commands.length})`);
	for (const [line, fix] of CORRECTED) {
		assert.ok(commands.includes(line), `the seed has the line corrected: ${line}`);
		assert.ok(shown.includes(squash(fix.now)), `a block runs the corrected line: ${fix.now}`);
		const page = await readFile(fix.page, 'utf8');
		assert.ok(page.includes(fix.quoted), `${fix.page} quotes the original and says what changed`);
	}
	const missing = commands
		.filter((line) => !CORRECTED.has(line))
		.filter((line) =>
			squash(line)
				.split(/<[^>]+>/)
				// Blocks that run in the app folder start with their own `cd`; the seed often had one `cd` above several.
				.some((part) => !shown.includes(squash(part).replace(/^cd ~\/apps\/orion && /, ''))),
		);
	assert.deepEqual(missing, []);
});
