import { ProjectList } from "@/components/project-list";

export const dynamic = "force-dynamic";

export default function ProjectsPage() {
  return <ProjectList />;
}
