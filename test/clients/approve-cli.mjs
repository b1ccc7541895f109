// `node approve-cli.mjs <base> <authorize URL>`: prints the code (for the Python session).
import { approve } from "./approve.mjs";

const [base, url] = process.argv.slice(2);
process.stdout.write(`${await approve(base, process.env.ROOST_OWNER_TOKEN, url)}\n`);
