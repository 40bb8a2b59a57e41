/**
 * Interactive sessions: a block that opens a shell on a server does whatever is typed into it, so
 * it must say so (`interactive`), and it can never pass for a read step.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigSchema } from '../../src/runbook/config.ts';
import { opensInteractiveSession, parseRunbook } from '../../src/runbook/parse.ts';

const config = ConfigSchema.parse({ vars: { server: 'orion.example', ssh_user: 'samir' } });
const page = (meta: string, code: string) =>
	`---\ntitle: Sessions\n---\n\n## Log in\n\n\`\`\`bash ${meta}\n${code}\n\`\`\`\n`;
const parse = (meta: string, code: string) =>
	parseRunbook(page(meta, code), { file: 'content/s.mdx', contentPath: 's.mdx', config });

describe('interactive sessions', () => {
	it('tells a login shell from an ssh command that runs something', () => {
		assert.equal(opensInteractiveSession('ssh {{vars.ssh_user}}@{{vars.server}}'), true);
		assert.equal(opensInteractiveSession('ssh -p 2222 -i key host'), true);
		assert.equal(opensInteractiveSession('ssh -L 9090:localhost:9090 user@host'), true);
		assert.equal(opensInteractiveSession('ssh -N -L9090:localhost:9090 host'), true);
		assert.equal(opensInteractiveSession('ssh host uptime'), false);
		assert.equal(opensInteractiveSession("ssh -p 2222 host 'df -h'"), false);
		assert.equal(opensInteractiveSession('ssh-add -l'), false);
		assert.equal(opensInteractiveSession('dig example.org +short'), false);
		assert.equal(opensInteractiveSession('ssh -V'), false);
		assert.equal(opensInteractiveSession('ssh -G host'), false);
		assert.equal(opensInteractiveSession('ssh -Q key'), false);
		assert.equal(opensInteractiveSession('ssh -oVisualHostKey=yes host'), true);
	});

	it('refuses an ssh login that is not marked interactive, at its line', () => {
		const { problems } = parse('id=login risk=change', 'ssh {{vars.ssh_user}}@{{vars.server}}');
		assert.equal(problems.length, 1);
		assert.equal(problems[0]!.line, 7);
		assert.match(problems[0]!.message, /opens an interactive ssh session.*mark it "interactive"/);
	});

	it('refuses an interactive session that calls itself a read step', () => {
		const { problems } = parse('id=login risk=read interactive', 'ssh host');
		assert.equal(problems.length, 1);
		assert.match(problems[0]!.message, /not a read step; give it risk=change/);
	});

	it('marks an interactive session in the model', () => {
		const { blocks, problems } = parse('id=login risk=change interactive', 'ssh host');
		assert.deepEqual(problems, []);
		assert.equal(blocks[0]?.block.interactive, true);
		const plain = parse('id=up risk=read', 'ssh host uptime');
		assert.equal(plain.blocks[0]?.block.interactive, undefined);
	});
});
