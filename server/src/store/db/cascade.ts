import type { Model, ModelStatic } from 'sequelize';

/**
 * Declares that each row of `child` belongs to one row of `parent` through the column `<as>_id`
 * (attribute `<as>Id`, not null), and that deleting or renumbering the parent row follows through
 * to its children (the link rows of grants and memberships).
 */
export function belongsToCascade(child: ModelStatic<Model>, parent: ModelStatic<Model>, as: string): void {
  child.belongsTo(parent, {
    as,
    foreignKey: { name: `${as}Id`, field: `${as}_id`, allowNull: false },
    onDelete: 'CASCADE',
    onUpdate: 'CASCADE',
  });
}
