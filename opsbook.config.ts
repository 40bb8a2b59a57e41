/**
 * Targets and variables of the Orion runbooks. The production host below is configuration and
 * display text: nothing in this repository's tests or defaults connects to it.
 */
import { defineConfig } from './src/runbook/config.ts';

const server = '91.99.65.229';
const sshUser = 'samir';

export default defineConfig({
	defaultTarget: 'local',
	targets: {
		orion: {
			kind: 'ssh',
			label: 'orion (Hetzner CAX11)',
			host: server,
			user: sshUser,
			production: true,
		},
	},
	vars: {
		server,
		ssh_user: sshUser,
		app_path: '~/apps/orion',
		compose_profile: 'full',
		domain: 'wizard.lu',
		api_domain: 'api.wizard.lu',
		oms_domain: 'omsflow.lu',
		loyalty_domain: 'rewardflow.lu',
		grafana_domain: 'grafana.wizard.lu',
		db_user: 'orion_user',
		db_name: 'orion_db',
		api_port: '8001',
		backups_path: '~/backups',
	},
});
