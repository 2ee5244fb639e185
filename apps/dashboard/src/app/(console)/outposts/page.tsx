import { OutpostList } from "@/components/outpost-list";

export const dynamic = "force-dynamic";

export default function OutpostsPage() {
  return <OutpostList />;
}
