/** An installed system's ESP with systemd-boot: three generations; each check boots one VM under OVMF (TCG). */
import { runBootMenuChecks } from '../support/boot-menu-scenario.js';

runBootMenuChecks('systemd-boot', 'systemd-boot');
