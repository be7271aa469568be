/** An installed system's ESP with GRUB: three generations; each check boots one VM under OVMF (TCG). */
import { runBootMenuChecks } from '../support/boot-menu-scenario.js';

runBootMenuChecks('grub', 'GRUB');
