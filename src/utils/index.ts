// torch.utils: for now its data part.
import { requireNew } from "../spelling";
import * as D from "./data";

/** torch.utils.data. */
// eslint-disable-next-line @typescript-eslint/no-namespace
export namespace data {
  export const TensorDataset = requireNew(D.TensorDataset, "utils.data.TensorDataset");
  export type TensorDataset = D.TensorDataset;
  export const DataLoader = requireNew(D.DataLoader, "utils.data.DataLoader");
  export type DataLoader = D.DataLoader;
  export type DataLoaderOptions = D.DataLoaderOptions;
}
