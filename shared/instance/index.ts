export { waitForActive } from './wait';
