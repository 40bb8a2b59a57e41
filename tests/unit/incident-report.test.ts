/**
 * The post-incident report: a recorded timeline written into the runbook's own template, checked
 * against a golden file a person read once (tests/unit/fixtures/incident/report.md). After a
 * deliberate change, rewrite it with  OPSBOOK_UPDATE_GOLDEN=1 node --test tests/unit/incident-report.test.ts
 * and read the diff before committing it.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { renderReport } from '../../src/incident/report.ts';
import type { TimelineEvent } from '../../src/incident/schema.ts';
import { foldIncident } from '../../src/incident/timeline.ts';
import type { ReportTemplate } from '../../src/runbook/incident-content.ts';
import { orionContent } from './fixtures/incident/content.ts';
import { after, declared, event, recordedTimeline } from './fixtures/incident/events.ts';

const fixture = (name: string) => new URL(`./fixtures/incident/${name}`, import.meta.url);
/** The seed's template: the ```md fence of content/post-incident.mdx, copied. */
const orionTemplate: ReportTemplate = {
	markdown: readFileSync(fixture('post-incident-template.md'), 'utf8'),
	file: 'content/post-incident.mdx',
	line: 9,
	page: 'post-incident',
};
const template = (markdown: string): ReportTemplate => ({ ...orionTemplate, markdown });
const now = new Date('2026-11-26T06:00:00.000Z');
const report = (
	events: TimelineEvent[],
	t: ReportTemplate | undefined = orionTemplate,
	author?: string,
) => renderReport(t, foldIncident(events)!, orionContent, { now, author });

describe('the post-incident report', () => {
	it('fills the seed’s template from the recorded timeline as the golden file says', () => {
		const written = report(recordedTimeline());
		if (process.env.OPSBOOK_UPDATE_GOLDEN) writeFileSync(fixture('report.md'), written);
		assert.equal(written, readFileSync(fixture('report.md'), 'utf8'));
	});

	it('uses the template of content/post-incident.mdx as it is today', () => {
		const page = readFileSync(new URL('../../content/post-incident.mdx', import.meta.url), 'utf8');
		const fence = /^```md[^\n]*\n([\s\S]*?)^```$/m.exec(page);
		assert.equal(fence?.[1], orionTemplate.markdown);
	});

	it('is the same bytes whatever order the events come in', () => {
		const events = recordedTimeline();
		assert.equal(report([...events].reverse()), report(events));
	});

	it('keeps every prompt the record cannot answer', () => {
		const written = report(recordedTimeline());
		for (const prompt of [
			'[1-2 sentence description of what happened and the user impact.]',
			'[What was done to fix it. Include exact commands if relevant.]',
			'- **Users affected**: [number or scope]',
			'- **Downtime**: [duration]',
			'| [Preventive measure 1] | [Name] | YYYY-MM-DD | [ ] Open |',
			'[What went well, what could be improved in the response process.]',
		]) {
			assert.ok(written.includes(`${prompt}\n`), prompt);
		}
		assert.ok(!written.includes('HH:MM'), 'the example rows of the timeline are gone');
	});

	it('says an open incident is ongoing, with the time so far', () => {
		const written = report([declared()]);
		assert.match(written, /^\*\*Duration\*\*: ongoing, 02:55 so far {2}$/m);
		assert.match(written, /^No commands were run through Opsbook during this incident\.$/m);
	});

	it('names the author given, else the responders, else keeps the prompt', () => {
		assert.match(
			report([declared()], orionTemplate, 'Ops on call'),
			/^\*\*Author\*\*: Ops on call$/m,
		);
		assert.match(report([declared()]), /^\*\*Author\*\*: Dana Reyes$/m);
		assert.match(
			report([declared({ responders: [], by: undefined })]),
			/^\*\*Author\*\*: \[Name\]$/m,
		);
	});

	it('puts the date in front of every time when the incident spans midnight', () => {
		const written = report([
			declared({ detectedAt: '2026-11-26T23:50:00.000Z', at: '2026-11-26T23:55:00.000Z' }),
			event('resolved', { at: '2026-11-27T00:40:00.000Z' }),
		]);
		assert.match(written, /^\| 2026-11-26 23:50 \| Problem detected \|$/m);
		assert.match(written, /^\| 2026-11-27 00:40 \| Resolved \|$/m);
		assert.match(written, /^\*\*Date\*\*: 2026-11-26 {2}$/m);
		assert.match(written, /^\*\*Duration\*\*: 00:50 \(from detection to resolution\) {2}$/m);
	});

	it('counts the failures and warnings of a check that passes again apart', () => {
		const check = (minute: number, run: string, outcome: 'pass' | 'warn' | 'fail') => [
			event('run-started', {
				at: after(minute),
				run,
				bridge: 'b',
				block: 'db.ready',
				title: 'Database ready',
				risk: 'read',
				check: true,
				blockPage: 'runbooks/database',
				target: 'prodbox',
				command: 'pg_isready',
			}),
			event('run-ended', {
				at: after(minute),
				run,
				bridge: 'b',
				block: 'db.ready',
				end: 'exited',
				exitCode: { pass: 0, warn: 2, fail: 3 }[outcome],
				durationMs: 24,
				verdict: { outcome, reason: outcome },
			}),
		];
		const written = report([
			declared(),
			...check(20, 'r1', 'fail'),
			...check(21, 'r2', 'warn'),
			...check(22, 'r3', 'pass'),
		]);
		assert.match(
			written,
			/Check passes again: Database ready .* \(failed once and warned once from 03:25\)/,
		);
		assert.match(written, /\| 3 \| fail: fail \| 24 ms \|/);
	});

	it('keeps pipes and backticks from breaking a table', () => {
		const written = report([
			declared({ title: 'API `502` | checkout' }),
			event('note', { at: after(20), text: 'grep says `OOM` | twice\non two lines', key: true }),
			event('run-started', {
				at: after(21),
				run: 'r-1',
				bridge: 'b',
				block: 'api.logs',
				title: 'Logs | errors',
				risk: 'read',
				check: false,
				blockPage: 'runbooks/api',
				target: 'prodbox',
				command: "docker logs api | grep -c '`'",
			}),
		]);
		assert.match(written, /^# Post-Incident Report: API \\`502\\` \| checkout$/m);
		assert.match(written, /^\| 03:25 \| Note: grep says \\`OOM\\` \\\| twice on two lines \|$/m);
		assert.ok(
			written.includes(
				"| 03:26 | Logs \\| errors (`api.logs`) | prodbox | — | — | — | ``docker logs api \\| grep -c '`'`` | no end recorded |",
			),
			written,
		);
	});

	it('writes a command with lines or `\\|` of its own below the table, as it was run', () => {
		const command = 'grep -i "error\\|exception" app.log\ntail -5 app.log';
		const written = report([
			declared(),
			event('run-started', {
				at: after(21),
				run: 'r-1',
				bridge: 'b',
				block: 'api.errors',
				title: 'Look for errors',
				risk: 'read',
				check: false,
				blockPage: 'runbooks/api',
				target: 'prodbox',
				command,
			}),
		]);
		assert.ok(written.includes('| (see below) |'));
		assert.ok(
			written.includes(`03:26 \`api.errors\` on prodbox:\n\n\`\`\`sh\n${command}\n\`\`\`\n`),
		);
	});

	it('fills a "Commands run" section the template has, and leaves code in the template alone', () => {
		const written = report(
			[declared()],
			template(
				[
					'# Review of [Title]',
					'',
					'**Date:** YYYY-MM-DD',
					'',
					'```sh',
					'# [Brief Title] stays: this is a comment',
					'**Date**: in code',
					'```',
					'',
					'## Timeline',
					'',
					'| When | What | Who |',
					'|---|---|---|',
					'| HH:MM | example | [Name] |',
					'',
					'## Commands run',
					'',
					'[List the commands.]',
					'',
					'## Follow-up',
					'',
					'[Tickets.]',
					'',
				].join('\n'),
			),
		);
		assert.equal(
			written,
			[
				'# Review of API down',
				'',
				'**Date:** 2026-11-26',
				'',
				'```sh',
				'# [Brief Title] stays: this is a comment',
				'**Date**: in code',
				'```',
				'',
				'## Timeline',
				'',
				'| When | What | Who |',
				'|---|---|---|',
				'| 03:05 | Problem detected | |',
				'| 03:12 | Incident declared as SEV-2 by Dana Reyes, 7 min after detection (response target < 1 hour, met); responding: Dana Reyes | |',
				'',
				'## Commands run',
				'',
				'No commands were run through Opsbook during this incident.',
				'',
				'## Follow-up',
				'',
				'[Tickets.]',
				'',
			].join('\n'),
		);
	});

	it('uses a minimal template when the site has none, and says so first', () => {
		const state = foldIncident([declared(), event('resolved', { at: after(40) })])!;
		const written = renderReport(undefined, state, orionContent, { now });
		const lines = written.split('\n');
		assert.match(lines[0]!, /^<!-- The runbooks have no post-incident template/);
		assert.equal(lines[1], '# Post-Incident Report: API down');
		assert.match(
			written,
			/^## Timeline \(UTC\)\n\n\| Time \| Event \|\n\|------\|-------\|\n\| 03:05 \| Problem detected \|$/m,
		);
		assert.match(
			written,
			/\n## Commands run\n\nNo commands were run through Opsbook during this incident\.\n\n## Root Cause\n/,
		);
	});

	it('says DRILL in the title and under it for a drill, and never for a real incident', () => {
		const drill = report([declared({ drill: 'database-down' })]);
		assert.match(drill, /^# Post-Incident Report: DRILL: API down$/m);
		assert.match(drill, /^> \*\*DRILL\*\*: a practice run of the scenario `database-down`\./m);
		assert.doesNotMatch(report([declared()]), /DRILL/);
		// A template with no title to mark still says it first.
		assert.match(report([declared({ drill: 'x' })], template('## Summary\n')), /^> \*\*DRILL\*\*/);
	});
});
