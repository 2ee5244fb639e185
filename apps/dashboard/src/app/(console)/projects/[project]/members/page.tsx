import { MemberList } from "@/components/member-list";

export const dynamic = "force-dynamic";

export default async function MembersPage({ params }: { params: Promise<{ project: string }> }) {
  const { project } = await params;
  return <MemberList project={project} />;
}
