/*
 * Program entry of the lastmile-district Pulumi project. Run through
 * `lastmile infra preview|up --stack <stack>` (or `pulumi preview` in this
 * folder after `npm ci` at the repository root: Pulumi.yaml loads this file
 * with tsx). Everything lives in src/cloud/; this file only starts it.
 */
import { runDistrictProgram } from '../../src/cloud/program.js'

export default async () => runDistrictProgram()
