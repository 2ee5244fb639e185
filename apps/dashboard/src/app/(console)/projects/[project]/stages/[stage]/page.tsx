import { StagePage } from "@/components/stage-page";

export const dynamic = "force-dynamic";

export default async function Page({ params }: { params: Promise<{ project: string; stage: string }> }) {
  const { project, stage } = await params;
  return <StagePage project={project} stage={stage} />;
}
