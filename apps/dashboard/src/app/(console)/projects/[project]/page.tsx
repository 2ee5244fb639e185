import { StageList } from "@/components/stage-list";

export const dynamic = "force-dynamic";

export default async function ProjectPage({ params }: { params: Promise<{ project: string }> }) {
  const { project } = await params;
  return <StageList project={project} />;
}
